"""gradstep against PyTorch on the lesson's workloads, measured in one run.

    python benchmarks/speed.py                 # full suite, about 5 minutes on 2 cores
    python benchmarks/speed.py --quick         # a smoke run on a slice of the data
    python benchmarks/speed.py --contention    # idle against one core kept busy, batch 32, 128, 1024

Writes ``benchmarks/results/speed.json`` and ``speed.png`` and prints a Markdown table.
Every ratio is gradstep's median time over PyTorch's, from interleaved runs; for the
lesson's network the table also gives gradstep's epoch over that of the same step written
by hand in NumPy (``hand_fused.py``), timed in the same rounds.

``--contention`` writes ``benchmarks/results/contention.json``: each engine's epoch with the
machine as it is and with one more process spinning on one core (a pure-Python busy loop the
benchmark starts and stops), their ratio (the slowdown), and gradstep's loaded epoch over
PyTorch's.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import (
    build_mlp, engines, fashion_mnist_arrays, median_seconds_alternating, one_core_busy, train_one_epoch, versions,
)
from hand_fused import HandFusedStep
from hand_fused import train_one_epoch as hand_fused_epoch

RESULTS = Path(__file__).parent / "results"
LESSON = (784, 128, 10)
WIDE = (784, 512, 256, 10)


def sliced_batches(engine, images, labels, batch_size: int, seed: int):
    """Batches gathered from whole-dataset tensors through a fresh permutation (no DataLoader)."""
    generator = engine.Generator().manual_seed(seed)
    order = engine.randperm(len(images), generator=generator)
    for start in range(0, len(images), batch_size):
        index = order[start : start + batch_size]
        yield images[index], labels[index]


def epoch_runner(engine, sizes, batch_size, make_batches):
    """A closure that trains one epoch of a freshly seeded model on the batches ``make_batches`` gives."""
    engine.manual_seed(0)
    model = build_mlp(engine, sizes)
    optimizer = engine.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
    loss_fn = engine.nn.NLLLoss()
    return lambda: train_one_epoch(model, optimizer, loss_fn, make_batches())


def hand_fused_runner(libs, images, labels, batch_size: int, seed: int):
    """The lesson's epoch as ``HandFusedStep``: the same start weights and batch order as ``epoch_runner``
    with ``sliced_batches``, and the same BLAS threads as gradstep's products (its thread policy)."""
    from gradstep.ops.blas_threads import use_threads_for

    gradstep = libs["gradstep"]
    gradstep.manual_seed(0)
    weights = [p.detach().numpy().copy() for p in build_mlp(gradstep, LESSON).parameters()]
    step = HandFusedStep(weights, lr=0.15, momentum=0.8, use_threads_for=use_threads_for)
    generator = gradstep.Generator().manual_seed(seed)
    return lambda: hand_fused_epoch(step, images, labels, gradstep.randperm(len(images), generator=generator).numpy(),
                                    batch_size)


def bench_epochs(libs, images, labels, repeats: int) -> list[dict]:
    rows = []
    tensors = {name: (lib.from_numpy(images), lib.from_numpy(labels)) for name, lib in libs.items()}

    def loader(name, batch_size):
        lib = libs[name]
        data = lib.utils.data
        dataset = data.TensorDataset(*tensors[name])
        generator = lib.Generator().manual_seed(1)
        return lambda: data.DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)

    def sliced(name, batch_size):
        return lambda: sliced_batches(libs[name], *tensors[name], batch_size, seed=1)

    def compare(label, sizes, batch_size, gradstep_batches, torch_batches, hand_fused=None):
        runs = {
            "gradstep": epoch_runner(libs["gradstep"], sizes, batch_size, gradstep_batches),
            "torch": epoch_runner(libs["torch"], sizes, batch_size, torch_batches),
        }
        if hand_fused:
            runs["hand-fused"] = hand_fused
        medians = median_seconds_alternating(runs, repeats)
        rows.append({"case": label, "gradstep_s": medians["gradstep"], "torch_s": medians["torch"],
                     "ratio": medians["gradstep"] / medians["torch"]})
        line = f"  {label}: gradstep {medians['gradstep']:.3f} s, torch {medians['torch']:.3f} s, ratio {rows[-1]['ratio']:.2f}"
        if hand_fused:
            rows[-1]["hand_fused_s"] = medians["hand-fused"]
            rows[-1]["hand_fused_ratio"] = medians["gradstep"] / medians["hand-fused"]
            line += f", hand-fused NumPy {medians['hand-fused']:.3f} s (× {rows[-1]['hand_fused_ratio']:.2f})"
        print(line, flush=True)

    compare("lesson MLP, batch 128, DataLoader(TensorDataset) both", LESSON, 128,
            loader("gradstep", 128), loader("torch", 128))
    compare("lesson MLP, batch 128, gradstep DataLoader vs torch sliced loop", LESSON, 128,
            loader("gradstep", 128), sliced("torch", 128))
    for sizes, name in ((LESSON, "lesson MLP"), (WIDE, "784-512-256-10")):
        for batch_size in (32, 128, 1024):
            hand_fused = hand_fused_runner(libs, images, labels, batch_size, seed=1) if sizes == LESSON else None
            compare(f"{name}, batch {batch_size}, sliced loop both", sizes, batch_size,
                    sliced("gradstep", batch_size), sliced("torch", batch_size), hand_fused)
    return rows


def bench_step_parts(libs, images, labels, repeats: int, steps: int = 100) -> list[dict]:
    """Forward+backward alone, and the optimizer step alone, for the lesson MLP at batch 128."""
    rows = []
    parts = {}
    for name, lib in libs.items():
        lib.manual_seed(0)
        model = build_mlp(lib, LESSON)
        optimizer = lib.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
        loss_fn = lib.nn.NLLLoss()
        x, y = lib.from_numpy(images[:128]), lib.from_numpy(labels[:128])

        def forward_backward(model=model, loss_fn=loss_fn, x=x, y=y, optimizer=optimizer):
            for _ in range(steps):
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()

        def optimizer_step(optimizer=optimizer):
            for _ in range(steps):
                optimizer.step()

        forward_backward()  # creates the gradients that the optimizer step uses
        parts[name] = {"forward+backward": forward_backward, "optimizer step": optimizer_step}
    for part in ("forward+backward", "optimizer step"):
        medians = median_seconds_alternating({name: parts[name][part] for name in libs}, repeats)
        per_step = {name: seconds / steps for name, seconds in medians.items()}
        rows.append({"case": f"lesson MLP, batch 128, {part} (per step)", "gradstep_s": per_step["gradstep"],
                     "torch_s": per_step["torch"], "ratio": per_step["gradstep"] / per_step["torch"]})
        print(f"  {part}: gradstep {per_step['gradstep'] * 1e6:.0f} us, torch {per_step['torch'] * 1e6:.0f} us, "
              f"ratio {rows[-1]['ratio']:.2f}", flush=True)
    return rows


def contention(libs, images, labels, repeats: int, batch_sizes=(32, 128, 1024)) -> list[dict]:
    """Each engine's epoch of the lesson's network, idle and with one core kept busy, interleaved."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # an exit, so that one_core_busy stops its spinner
    tensors = {name: (lib.from_numpy(images), lib.from_numpy(labels)) for name, lib in libs.items()}
    rows = []
    for batch_size in batch_sizes:
        runs = {name: epoch_runner(lib, LESSON, batch_size,
                                   lambda name=name: sliced_batches(libs[name], *tensors[name], batch_size, seed=1))
                for name, lib in libs.items()}
        seconds = {(name, load): [] for name in libs for load in ("idle", "loaded")}
        for _ in range(repeats):
            for load in ("idle", "loaded"):
                with one_core_busy() if load == "loaded" else contextlib.nullcontext():
                    for name, run in runs.items():
                        start = time.perf_counter()
                        run()
                        seconds[name, load].append(time.perf_counter() - start)
        median = {key: statistics.median(values) for key, values in seconds.items()}
        row = {"batch_size": batch_size}
        for name in libs:
            row[f"{name}_idle_s"], row[f"{name}_loaded_s"] = median[name, "idle"], median[name, "loaded"]
            row[f"{name}_slowdown"] = median[name, "loaded"] / median[name, "idle"]
        row["loaded_ratio"] = median["gradstep", "loaded"] / median["torch", "loaded"]
        rows.append(row)
        print(f"  batch {batch_size}: gradstep {row['gradstep_idle_s']:.2f} → {row['gradstep_loaded_s']:.2f} s "
              f"(× {row['gradstep_slowdown']:.2f}), torch {row['torch_idle_s']:.2f} → {row['torch_loaded_s']:.2f} s "
              f"(× {row['torch_slowdown']:.2f}), gradstep/torch loaded {row['loaded_ratio']:.2f}", flush=True)
    return rows


def contention_table(result: dict) -> str:
    lines = ["| lesson MLP, sliced loop | gradstep idle | gradstep loaded | slowdown | PyTorch idle | PyTorch loaded "
             "| slowdown | gradstep / PyTorch, loaded |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in result["rows"]:
        lines.append(f"| batch {row['batch_size']} | {row['gradstep_idle_s']:.2f} s | {row['gradstep_loaded_s']:.2f} s "
                     f"| {row['gradstep_slowdown']:.2f} | {row['torch_idle_s']:.2f} s | {row['torch_loaded_s']:.2f} s "
                     f"| {row['torch_slowdown']:.2f} | {row['loaded_ratio']:.2f} |")
    return "\n".join(lines)


# The child reports its own high-water mark: rusage of children would also count the
# benchmark's memory, which a forked child shares until it runs the new program.
_TRAIN_AND_REPORT_PEAK = """
import sys
from gradstep.cli import main
main(sys.argv[1:])
peak_kib = next(line for line in open('/proc/self/status') if line.startswith('VmHWM')).split()[1]
print('PEAK_KIB', peak_kib)
"""


def peak_rss_of_training(epochs: int, train_size: int | None) -> float:
    """Peak resident memory, in MB, of `gradstep train` run in a child process."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-c", _TRAIN_AND_REPORT_PEAK, "train", "--out", out, "--log-format", "none",
                   "--epochs", str(epochs)]
        if train_size:
            command += ["--train-size", str(train_size)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return int(output.rsplit("PEAK_KIB", 1)[1]) / 1024


def help_seconds(repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gradstep", "--help"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def draw(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [row["case"] for row in rows]
    ratios = [row["ratio"] for row in rows]
    figure, axes = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.5))
    colors = ["tab:green" if r <= 1 else "tab:orange" for r in ratios]
    axes.barh(range(len(rows)), ratios, color=colors)
    axes.axvline(1.0, color="black", linewidth=1, label="same speed as PyTorch")
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("gradstep time / PyTorch time (lower is faster)")
    axes.set_title("gradstep vs PyTorch on the CPU, same code, same threads")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run on 6000 images")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved runs per case (median reported)")
    parser.add_argument("--table", action="store_true", help="print the table of the last saved results and stop")
    parser.add_argument("--contention", action="store_true",
                        help="idle against one core kept busy, for the lesson's network at batch 32, 128 and 1024")
    args = parser.parse_args()
    if args.table:
        saved = "contention.json" if args.contention else "speed.json"
        table = contention_table if args.contention else markdown_table
        print(table(json.loads((RESULTS / saved).read_text())))
        return
    repeats = 2 if args.quick else args.repeats

    libs = engines()
    images, labels = fashion_mnist_arrays()
    if args.quick:
        images, labels = images[:6000], labels[:6000]
    load_average = os.getloadavg()
    print(f"{len(images)} Fashion-MNIST images, {repeats} runs per case; load average {load_average[0]:.2f}")
    if args.contention:
        result = {"rows": contention(libs, images, labels, repeats), "quick": args.quick, "images": len(images),
                  "load_average_at_start": load_average, "versions": versions()}
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "contention.json").write_text(json.dumps(result, indent=2))
        print()
        print(contention_table(result))
        return
    rows = bench_step_parts(libs, images, labels, repeats)
    rows += bench_epochs(libs, images, labels, repeats)
    rss = peak_rss_of_training(epochs=1 if args.quick else 5, train_size=6000 if args.quick else None)
    help_time = help_seconds()
    print(f"  peak RSS of gradstep train: {rss:.0f} MB; gradstep --help: {help_time:.2f} s")

    RESULTS.mkdir(exist_ok=True)
    result = {"rows": rows, "peak_rss_mb": rss, "help_seconds": help_time, "quick": args.quick,
              "images": len(images), "versions": versions()}
    (RESULTS / "speed.json").write_text(json.dumps(result, indent=2))
    draw(rows, RESULTS / "speed.png")
    print()
    print(markdown_table(result))


def markdown_table(result: dict) -> str:
    """The README's table: one row per case, then memory and start-up time."""
    lines = ["| case | gradstep | PyTorch | ratio | × hand-fused NumPy |", "| --- | ---: | ---: | ---: | ---: |"]
    for row in result["rows"]:
        per_step = row["torch_s"] < 0.01
        show = (lambda s: f"{s * 1e6:.0f} µs") if per_step else (lambda s: f"{s:.2f} s")
        hand_fused = f"{row['hand_fused_ratio']:.2f}" if "hand_fused_ratio" in row else ""
        lines.append(f"| {row['case']} | {show(row['gradstep_s'])} | {show(row['torch_s'])} | {row['ratio']:.2f} "
                     f"| {hand_fused} |")
    lines.append(f"| peak RSS of `gradstep train` (defaults, 5 epochs) | {result['peak_rss_mb']:.0f} MB | | | |")
    lines.append(f"| `gradstep --help` | {result['help_seconds']:.2f} s | | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
