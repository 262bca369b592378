"""The lesson's epoch on two gradstep source trees, interleaved: did a change slow the first-order path?

    python benchmarks/first_order.py --baseline /path/to/other/checkout [--rounds 9] [--batch-size 128] [--no-bias]

Each round trains one epoch of the lesson's network (784-128-10, SGD lr 0.15 momentum 0.8,
batch 128 unless told, 60,000 images) once with this tree's gradstep and once with the
baseline's, each in a fresh process, alternating, so load on the machine hits both alike.
Prints the median epoch of each, the median step in µs, and their ratio. A worker process
imports gradstep from the tree it is given.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one_epoch(threads: int, batch_size: int = 128, bias: bool = True) -> float:
    """Seconds for one epoch of the lesson's training loop on the gradstep that is imported."""
    from threadpoolctl import threadpool_limits

    import gradstep
    from common import build_mlp, fashion_mnist_arrays, train_one_epoch

    threadpool_limits(threads)
    images, labels = fashion_mnist_arrays()
    x_all, y_all = gradstep.from_numpy(images), gradstep.from_numpy(labels)
    gradstep.manual_seed(420)
    model = build_mlp(gradstep, (784, 128, 10), bias=bias)
    optimizer = gradstep.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
    batches = [(x_all[i:i + batch_size], y_all[i:i + batch_size]) for i in range(0, len(images), batch_size)]
    start = time.perf_counter()
    train_one_epoch(model, optimizer, gradstep.nn.NLLLoss(), batches)
    return time.perf_counter() - start


def time_tree(tree: Path, threads: int, batch_size: int, bias: bool) -> float:
    code = (f"import sys; sys.path[:0] = [{str(tree)!r}, {str(HERE)!r}]; import first_order; "
            f"print(first_order.one_epoch({threads}, {batch_size}, {bias}))")
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another gradstep checkout (its root folder)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved epochs per tree (median reported)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (1 is steadier on a busy machine)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--no-bias", action="store_true", help="linear layers without bias, as in the lesson's notebook")
    args = parser.parse_args()
    trees = {"this tree": HERE.parent, "baseline": args.baseline.resolve()}
    seconds: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            seconds[name].append(time_tree(tree, args.threads, args.batch_size, not args.no_bias))
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    fastest = {name: min(values) for name, values in seconds.items()}
    steps = -(-60_000 // args.batch_size)
    print(json.dumps({"threads": args.threads, "batch_size": args.batch_size, "bias": not args.no_bias,
                      "median_epoch_seconds": medians, "fastest_epoch_seconds": fastest,
                      "median_step_us": {name: round(value / steps * 1e6) for name, value in medians.items()},
                      "all": seconds, "median_ratio": medians["this tree"] / medians["baseline"],
                      "fastest_ratio": fastest["this tree"] / fastest["baseline"]}, indent=2))


if __name__ == "__main__":
    main()
