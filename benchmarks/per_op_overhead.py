"""gradstep's fixed cost per op, on two source trees, interleaved: the playground's walks and one training step.

    python benchmarks/per_op_overhead.py --baseline /path/to/other/checkout [--rounds 5]

On tiny tensors an op's time is nearly all bookkeeping (autograd, operand checks, wrapping
the result), so these two measure it:

* each descent walk of the playground (200 steps, every surface and optimizer, the learning
  rates of ``benchmarks/playground.py``), computed in process: the fastest of 5;
* one step of the lesson's training (784-128-10, SGD with momentum, batch 32 and 128, one
  BLAS thread): the fastest of 7 means over 50 steps.

Each round runs both in a fresh process for this tree, then for the baseline, so load on
the machine hits both alike; the medians over the rounds are printed, with their ratio.
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

HERE = Path(__file__).resolve().parent
STEPS = 200


def measure() -> dict[str, float]:
    """Milliseconds per walk and microseconds per training step, on the gradstep that is imported."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    import gradstep
    from common import build_mlp
    from gradstep.playground import descent
    from playground import LEARNING_RATES, SURFACES, WALKS

    threadpool_limits(1)
    results = {}
    for surface, start in SURFACES.items():
        for walk in WALKS:
            body = {"surface": surface, "optimizer": walk, "lr": LEARNING_RATES[surface], "momentum": 0.9,
                    "steps": STEPS, "start": start}
            descent.walk(body)  # fills the surface's cache
            results[f"{surface} {walk} (ms)"] = 1000 * min(_seconds(lambda: descent.walk(body)) for _ in range(5))
    for batch in (32, 128):
        gradstep.manual_seed(0)
        model = build_mlp(gradstep, (784, 128, 10), bias=True)
        optimizer = gradstep.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
        loss_fn = gradstep.nn.NLLLoss()
        rng = np.random.default_rng(0)
        x = gradstep.from_numpy(rng.random((batch, 1, 28, 28), dtype=np.float32))
        y = gradstep.from_numpy(rng.integers(0, 10, batch))

        def step() -> None:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()

        for _ in range(20):
            step()
        fastest = min(_seconds(lambda: [step() for _ in range(50)]) for _ in range(7))
        results[f"training step, batch {batch} (µs)"] = 1e6 * fastest / 50
    return results


def _seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure_tree(tree: Path) -> dict[str, float]:
    code = (f"import sys; sys.path[:0] = [{str(tree)!r}, {str(HERE)!r}]; import json, per_op_overhead; "
            f"print(json.dumps(per_op_overhead.measure()))")
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another gradstep checkout (its root folder)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs per tree (median reported)")
    args = parser.parse_args()
    trees = {"this tree": HERE.parent, "baseline": args.baseline.resolve()}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, tree in trees.items():
            runs[name].append(measure_tree(tree))
        loads.append(os.getloadavg()[0])
    print(f"{'':<34}{'this tree':>12}{'baseline':>12}{'ratio':>8}")
    for case in runs["this tree"][0]:
        this, baseline = (statistics.median(run[case] for run in runs[name]) for name in trees)
        print(f"{case:<34}{this:12.1f}{baseline:12.1f}{this / baseline:8.2f}")
    print("load average (1 minute) before and after each round: " + ", ".join(f"{load:.1f}" for load in loads))


if __name__ == "__main__":
    main()
