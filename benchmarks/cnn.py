"""gradstep against PyTorch on convolutional networks, measured in one run.

    python benchmarks/cnn.py                 # LeNet-5 and the lesson's CNN, about 10 minutes on 2 cores
    python benchmarks/cnn.py --quick         # a smoke run on a slice of the data
    python benchmarks/cnn.py --profile       # also where gradstep's time goes, op by op
    python benchmarks/cnn.py --threads 1     # one thread each: steadier on a busy machine

Two networks on Fashion-MNIST at batch 128: LeNet-5 (two 5×5 convolutions with max pooling,
three linear layers) and the lesson's CNN (``gradstep.train.cnn.build_cnn``: two 3×3
convolution blocks with batch norm, a small head). For each: forward+backward per step,
the full step (with SGD), and one epoch over 60,000 images. Both engines run the same
Python code with the same threads, interleaved; ratio = gradstep time / PyTorch time.
Writes ``benchmarks/results/cnn.json`` (``cnn-1-thread.json`` with ``--threads 1``) and prints a
Markdown table.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
from pathlib import Path

from common import THREADS, engines, fashion_mnist_arrays, median_seconds_alternating, train_one_epoch, versions
from speed import sliced_batches

from gradstep.train.cnn import build_cnn

RESULTS = Path(__file__).parent / "results"
BATCH_SIZE = 128


def build_lenet(engine):
    """LeNet-5 for 28×28 images: padding 2 gives the first convolution LeNet's 32×32 view."""
    nn = engine.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # 6×14×14
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # 16×5×5
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


NETWORKS = {
    "LeNet-5": (build_lenet, lambda engine: engine.nn.CrossEntropyLoss()),
    "lesson CNN": (build_cnn, lambda engine: engine.nn.NLLLoss()),  # build_cnn ends in log-probabilities
}


def training_parts(engine, build, make_loss, images, labels, steps: int) -> dict:
    """Closures that run ``steps`` forward+backward passes, or ``steps`` full training steps, on one batch."""
    engine.manual_seed(0)
    model = build(engine)
    optimizer = engine.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = make_loss(engine)
    x, y = engine.from_numpy(images[:BATCH_SIZE]), engine.from_numpy(labels[:BATCH_SIZE])

    def forward_backward():
        for _ in range(steps):
            model.zero_grad()
            loss_fn(model(x), y).backward()

    def full_step():
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()

    return {"forward+backward (per step)": forward_backward, "full step (per step)": full_step}


def epoch_runner(engine, build, make_loss, images, labels):
    engine.manual_seed(0)
    model = build(engine)
    optimizer = engine.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = make_loss(engine)
    tensors = engine.from_numpy(images), engine.from_numpy(labels)
    return lambda: train_one_epoch(model, optimizer, loss_fn, sliced_batches(engine, *tensors, BATCH_SIZE, seed=1))


def bench(libs, images, labels, repeats: int, epoch_repeats: int, steps: int) -> list[dict]:
    rows = []

    def add(case, medians, per):
        seconds = {name: value / per for name, value in medians.items()}
        rows.append({"case": case, "gradstep_s": seconds["gradstep"], "torch_s": seconds["torch"],
                     "ratio": seconds["gradstep"] / seconds["torch"]})
        print(f"  {case}: gradstep {seconds['gradstep']:.4f} s, torch {seconds['torch']:.4f} s, "
              f"ratio {rows[-1]['ratio']:.2f}", flush=True)

    for network, (build, make_loss) in NETWORKS.items():
        parts = {name: training_parts(lib, build, make_loss, images, labels, steps) for name, lib in libs.items()}
        for part in parts["gradstep"]:
            runs = {name: parts[name][part] for name in libs}
            for run in runs.values():
                run()  # warm up: first allocations, and the optimizer's momentum buffers
            add(f"{network}, batch {BATCH_SIZE}, {part}", median_seconds_alternating(runs, repeats), steps)
        epochs = {name: epoch_runner(lib, build, make_loss, images, labels) for name, lib in libs.items()}
        add(f"{network}, batch {BATCH_SIZE}, one epoch of {len(images):,} images",
            median_seconds_alternating(epochs, epoch_repeats), 1)
    return rows


def profile(gradstep, images, labels, steps: int) -> str:
    """The functions gradstep spends its time in, for a few training steps of each network."""
    report = io.StringIO()
    for network, (build, make_loss) in NETWORKS.items():
        run = training_parts(gradstep, build, make_loss, images, labels, steps)["full step (per step)"]
        run()
        profiler = cProfile.Profile()
        profiler.runcall(run)
        report.write(f"\n{network}, {steps} full steps at batch {BATCH_SIZE}:\n")
        pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(12)
    return report.getvalue()


def results_name(quick: bool, threads: int) -> str:
    """``cnn.json`` for a full run at the usual threads; other runs are kept apart."""
    return "cnn" + ("-quick" if quick else "") + ("" if threads == THREADS else f"-{threads}-thread") + ".json"


def markdown_table(result: dict) -> str:
    lines = ["| case | gradstep | PyTorch | ratio |", "| --- | ---: | ---: | ---: |"]
    for row in result["rows"]:
        per_step = row["torch_s"] < 1
        show = (lambda s: f"{s * 1e3:.1f} ms") if per_step else (lambda s: f"{s:.1f} s")
        lines.append(f"| {row['case']} | {show(row['gradstep_s'])} | {show(row['torch_s'])} | {row['ratio']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2,560 images, fewer repeats")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved runs per step case (median reported)")
    parser.add_argument("--epoch-repeats", type=int, default=1, help="interleaved epochs per network")
    parser.add_argument("--profile", action="store_true", help="print gradstep's profile of a few steps")
    parser.add_argument("--threads", type=int, default=THREADS, help="for both NumPy's BLAS and PyTorch")
    parser.add_argument("--table", action="store_true", help="print the table of the last saved results and stop")
    args = parser.parse_args()
    if args.table:
        print(markdown_table(json.loads((RESULTS / results_name(False, args.threads)).read_text())))
        return
    libs = engines(args.threads)
    images, labels = fashion_mnist_arrays()
    if args.quick:
        images, labels = images[:2560], labels[:2560]
    repeats, steps = (2, 3) if args.quick else (args.repeats, 10)
    print(f"{len(images):,} Fashion-MNIST images; {repeats} runs of {steps} steps per step case, "
          f"{args.epoch_repeats} epoch(s) per network", flush=True)
    rows = bench(libs, images, labels, repeats, args.epoch_repeats, steps)
    result = {"rows": rows, "quick": args.quick, "images": len(images),
              "versions": {**versions(), "threads": str(args.threads)}}
    if args.profile:
        result["profile"] = profile(libs["gradstep"], images, labels, steps)
        print(result["profile"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / results_name(args.quick, args.threads)).write_text(json.dumps(result, indent=2))
    print()
    print(markdown_table(result))


if __name__ == "__main__":
    main()
