"""The lesson's training step under each BLAS thread setting, on an idle machine and next to a busy process.

    python benchmarks/blas_threads.py [--steps 200] [--rounds 5]

gradstep runs small matrix products on one BLAS thread (``gradstep/ops/blas_threads.py``).
This measures why: the median time of one training step of the lesson's network (784-128-10,
batch 128, SGD with momentum) with that policy (``GRADSTEP_BLAS_THREADS=auto``) and with
every product on two threads (``GRADSTEP_BLAS_THREADS=2``), first idle, then while one
process spins on one core, as a browser or an IDE would. Each setting runs in a fresh
process, alternating, so drift in the machine's load hits both alike.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import one_core_busy

HERE = Path(__file__).resolve().parent
SETTINGS = ("auto", "2")


def step_seconds(steps: int) -> float:
    """The median seconds of one training step, over ``steps`` steps after a warm-up."""
    import numpy as np

    import gradstep
    from common import build_mlp

    gradstep.manual_seed(0)
    model = build_mlp(gradstep, (784, 128, 10), bias=True)
    optimizer = gradstep.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
    loss_fn = gradstep.nn.NLLLoss()
    rng = np.random.default_rng(0)
    x = gradstep.from_numpy(rng.random((128, 1, 28, 28), dtype=np.float32))
    y = gradstep.from_numpy(rng.integers(0, 10, 128))
    times = []
    for i in range(steps + 20):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
        if i >= 20:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_setting(setting: str, steps: int) -> float:
    code = f"import sys; sys.path[:0] = [{str(HERE.parent)!r}, {str(HERE)!r}]; import blas_threads; print(blas_threads.step_seconds({steps}))"
    env = {**os.environ, "GRADSTEP_BLAS_THREADS": setting, "OPENBLAS_NUM_THREADS": "2"}
    output = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return float(output.strip().splitlines()[-1])


def measure(steps: int, rounds: int) -> dict[str, float]:
    results: dict[str, list[float]] = {setting: [] for setting in SETTINGS}
    for _ in range(rounds):
        for setting in SETTINGS:
            results[setting].append(time_setting(setting, steps))
    return {setting: statistics.median(values) * 1e6 for setting, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per process")
    parser.add_argument("--rounds", type=int, default=5, help="processes per setting and load (median reported)")
    args = parser.parse_args()
    report = {"idle": measure(args.steps, args.rounds)}
    with one_core_busy():
        report["one core busy"] = measure(args.steps, args.rounds)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}: other work on the machine slows both settings")
    print("| machine | one thread for small products (auto) | two threads (2) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for load, medians in report.items():
        print(f"| {load} | {medians['auto']:.0f} µs | {medians['2']:.0f} µs | {medians['auto'] / medians['2']:.2f} |")
    (HERE / "results" / "blas_threads.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
