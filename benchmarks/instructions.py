"""Instructions per training step, counted by valgrind: where gradstep's step costs more than NumPy's own.

    python benchmarks/instructions.py              # batch 32, about 3 minutes; needs valgrind
    python benchmarks/instructions.py --batch 128

Timings on a shared machine move by 10–30 % from run to run, which hides a change of a few
per cent. An instruction count does not move: ``valgrind --tool=callgrind`` counts every
instruction the process runs, the same count for the same program and input whatever else
the machine does (with address randomisation off and a fixed hash seed, as here; what is
left varies by about 0.2 %).

The lesson's step runs twice under callgrind, for ``--steps`` N₁ and N₂ steps; the difference,
over N₂ − N₁, is one step, free of start-up and import costs. Each instruction is counted to
the library it ran in: the BLAS (the matrix products, the same in both; its idle thread's
spinning is left out), NumPy's own C code, the Python interpreter, and the C library (mostly
the BLAS clearing each product's output). The same is done for the hand-fused NumPy step
(``hand_fused.py``): what gradstep runs beyond it is the price of its graph, its checks and
its Python calls. Writes ``benchmarks/results/instructions.json``.

On random data of the lesson's shapes (one BLAS thread), so no data files are read under
valgrind, which runs some 50 times slower than the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
BENCHMARKS = Path(__file__).parent

STEPS = r'''
import sys
sys.path[:0] = [{benchmarks!r}]
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
batch, steps, which = {batch}, int(sys.argv[1]), {which!r}
rng = np.random.default_rng(0)
images = rng.random((2048, 784), dtype=np.float32)
labels = rng.integers(0, 10, 2048)
order = rng.permutation(2048)
if which == "gradstep":
    import gradstep
    from common import build_mlp
    gradstep.manual_seed(0)
    model = build_mlp(gradstep, (784, 128, 10))
    optimizer = gradstep.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
    loss_fn = gradstep.nn.NLLLoss()
    x_all, y_all, index_all = (gradstep.from_numpy(a) for a in (images.reshape(-1, 1, 28, 28), labels, order))
    for k in range(steps):
        start = k * batch % (2048 - batch)
        index = index_all[start:start + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(x_all[index]), y_all[index])
        loss.backward()
        optimizer.step()
else:
    from hand_fused import HandFusedStep
    weights = [(rng.random((128, 784), dtype=np.float32) - 0.5) * 0.07,
               (rng.random((10, 128), dtype=np.float32) - 0.5) * 0.17]
    step = HandFusedStep(weights, lr=0.15, momentum=0.8)
    for k in range(steps):
        start = k * batch % (2048 - batch)
        index = order[start:start + batch]
        step(images[index], labels[index])
'''

PARTS = {  # each part, and how callgrind's listing names the places that belong to it
    "BLAS (products)": ("openblas",),
    "NumPy": ("_multiarray_umath",),
    "Python": ("libpython", "/Python-3."),  # the interpreter, its inlined headers and its garbage collector
    "C library": ("libc.so",),
}


def counts_by_library(callgrind_file: Path) -> Counter:
    """Instructions counted to each library (``PARTS``; anything else is "other")."""
    listing = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", str(callgrind_file)],
                             capture_output=True, text=True, check=True).stdout
    counts: Counter = Counter()
    for line in listing.splitlines():
        found = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)$", line)
        if found and "PROGRAM TOTALS" not in line:
            place = found.group(2)
            if "blas_thread_server" in place:  # a BLAS thread waiting for work: it spins as long as valgrind lets it
                continue
            part = next((name for name, markers in PARTS.items() if any(m in place for m in markers)), "other")
            counts[part] += int(found.group(1).replace(",", ""))
    return counts


def per_step(which: str, batch: int, steps: tuple[int, int], folder: Path) -> dict[str, float]:
    """Instructions of one step of ``which`` ("gradstep" or "hand-fused"), by library."""
    script = folder / f"step_of_{which.replace('-', '_')}.py"  # not gradstep.py, which would shadow the package
    script.write_text(STEPS.format(benchmarks=str(BENCHMARKS), batch=batch, which=which))
    no_aslr = ["setarch", "-R"] if shutil.which("setarch") else []
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    totals = []
    for n in steps:
        output = folder / f"{which}-{n}.callgrind"
        run = subprocess.run([*no_aslr, "valgrind", "--tool=callgrind", f"--callgrind-out-file={output}",
                              sys.executable, str(script), str(n)], env=env, capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"the {which} step failed under valgrind:\n{run.stderr[-3000:]}")
        totals.append(counts_by_library(output))
    first, second = totals
    return {part: (second[part] - first[part]) / (steps[1] - steps[0]) for part in [*PARTS, "other"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, nargs=2, default=(20, 120), metavar=("N1", "N2"))
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        sys.exit("instructions.py needs valgrind (Debian: apt install valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        steps = {which: per_step(which, args.batch, tuple(args.steps), Path(folder))
                 for which in ("gradstep", "hand-fused")}
    rows = [*PARTS, "other"]
    print(f"Instructions per step, batch {args.batch} (thousands)\n")
    print("| part | gradstep | hand-fused NumPy | gradstep beyond it |")
    print("| --- | ---: | ---: | ---: |")
    for part in [*rows, "all"]:
        mine, floor = ((sum(s.values()) if part == "all" else s[part]) for s in steps.values())
        print(f"| {part} | {mine / 1e3:,.0f} | {floor / 1e3:,.0f} | {(mine - floor) / 1e3:+,.0f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "instructions.json").write_text(json.dumps({"batch": args.batch, "steps": args.steps, **steps}, indent=2))


if __name__ == "__main__":
    main()
