"""Train Fashion-MNIST with both engines in one run: test accuracy and epoch time of each.

    python benchmarks/accuracy.py                      # the lesson's defaults, 5 epochs
    python benchmarks/accuracy.py --hidden 512,256 --epochs 30 --lr 0.05 --momentum 0.9 --lr-schedule cosine

Each engine trains the same configuration from the same seed through ``gradstep train``'s
own code (``gradstep.train.run.prepare_run`` and ``train_run``). Writes ``benchmarks/results/accuracy-*.json``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from common import engines, versions

from gradstep.train.lesson import LessonConfig
from gradstep.train.run import prepare_run, train_run

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", default="128", help="hidden sizes, e.g. 256,128 (default 128)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.15)
    parser.add_argument("--momentum", type=float, default=0.8)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=420)
    parser.add_argument("--lr-schedule", choices=["constant", "cosine"], default="constant")
    args = parser.parse_args()
    engines()  # the same thread budget for both

    hidden = tuple(int(size) for size in args.hidden.split(","))
    rows = []
    for engine in ("numpy", "torch"):
        config = LessonConfig(engine=engine, hidden=hidden, lr=args.lr, momentum=args.momentum,
                              batch_size=args.batch_size, epochs=args.epochs, seed=args.seed,
                              lr_schedule=args.lr_schedule)
        with tempfile.TemporaryDirectory() as out:
            metrics = train_run(prepare_run(config), Path(out), log_format="none")
        rows.append({"engine": engine, "test_accuracy": metrics["test_accuracy"], "test_loss": metrics["test_loss"],
                     "median_epoch_s": statistics.median(metrics["epoch_seconds"]), "config": config.to_dict()})
        print(f"{engine}: test accuracy {metrics['test_accuracy']:.4f}, median epoch "
              f"{rows[-1]['median_epoch_s']:.2f} s", flush=True)
    ratio = rows[0]["median_epoch_s"] / rows[1]["median_epoch_s"]
    print(f"epoch time ratio gradstep/torch: {ratio:.2f}")
    RESULTS.mkdir(exist_ok=True)
    name = f"accuracy-{args.hidden.replace(',', '-')}-{args.epochs}ep-{args.lr_schedule}.json"
    (RESULTS / name).write_text(json.dumps({"rows": rows, "ratio": ratio, "versions": versions()}, indent=2))


if __name__ == "__main__":
    main()
