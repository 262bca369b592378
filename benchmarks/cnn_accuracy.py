"""Train the lesson's CNN on Fashion-MNIST: validation accuracy every epoch, test accuracy once at the end.

    python benchmarks/cnn_accuracy.py                      # the chosen settings (Adam, lr 0.001), on gradstep
    python benchmarks/cnn_accuracy.py --engine torch       # the same run on PyTorch
    python benchmarks/cnn_accuracy.py --optimizer sgd --lr 0.05 --no-test --save runs/sgd.npz   # a trial
    python benchmarks/cnn_accuracy.py --name sgd --evaluate runs/sgd.npz                        # its test set

5,000 of the 60,000 training images are held out at random (``random_split`` seeded with
``--split-seed``) and the network trains on the other 55,000. Settings are compared on those
5,000 only: a trial run takes ``--no-test`` and ``--save``, and the test set is evaluated once,
for the settings chosen, with ``--evaluate`` (or by a run without ``--no-test``).

The network is ``gradstep.train.cnn.build_cnn`` (log-probabilities, NLLLoss); the training
loop is ``gradstep.train.fit``, the same on both engines. Each run writes
``benchmarks/results/cnn-accuracy-<name>.json``: the settings, every epoch's validation
accuracy and seconds, and the test accuracy when measured.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
from common import THREADS, engines, versions

from gradstep.datasets import FashionMNIST
from gradstep.train import Callback, evaluate, fit
from gradstep.train.cnn import build_cnn

RESULTS = Path(__file__).parent / "results"
EVAL_BATCH_SIZE = 1000


def split_indices(val_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation indices into the 60,000 training images, the same for both engines."""
    import gradstep
    from gradstep.utils.data import random_split

    generator = gradstep.Generator().manual_seed(seed)
    train, val = random_split(range(60_000), [60_000 - val_size, val_size], generator=generator)
    return np.asarray(train.indices), np.asarray(val.indices)


def loaders(engine, train_indices: np.ndarray, val_indices: np.ndarray, batch_size: int, seed: int):
    """Shuffled training batches (their own seeded generator), validation and test batches in order."""
    data = engine.utils.data
    train_set, test_set = FashionMNIST(train=True), FashionMNIST(train=False)
    if engine.__name__ == "gradstep":  # batches straight from the dataset: one vectorised fetch each
        parts = data.Subset(train_set, train_indices), data.Subset(train_set, val_indices), test_set
    else:
        images = np.divide(train_set.data.numpy(), 255, dtype=np.float32)[:, np.newaxis]
        labels = train_set.targets.numpy()
        test_images = np.divide(test_set.data.numpy(), 255, dtype=np.float32)[:, np.newaxis]
        parts = tuple(data.TensorDataset(engine.from_numpy(x), engine.from_numpy(y)) for x, y in (
            (images[train_indices], labels[train_indices]), (images[val_indices], labels[val_indices]),
            (test_images, test_set.targets.numpy())))
    generator = engine.Generator().manual_seed(seed)
    train = data.DataLoader(parts[0], batch_size=batch_size, shuffle=True, generator=generator)
    val, test = (data.DataLoader(part, batch_size=EVAL_BATCH_SIZE) for part in parts[1:])
    return train, val, test


class PrintEpochs(Callback):
    def on_epoch_end(self, epoch, history):
        record = history[-1]
        print(f"epoch {epoch:2d}: train loss {record.train_loss:.4f} accuracy {record.train_accuracy:.4f} | "
              f"validation loss {record.val_loss:.4f} accuracy {record.val_accuracy:.4f} | {record.seconds:.1f} s",
              flush=True)


def make_optimizer(engine, model, args):
    if args.optimizer == "adam":
        return engine.optim.Adam(model.parameters(), lr=args.lr)
    return engine.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)


def train(args) -> dict:
    engine = engines(args.threads)[args.engine]
    train_indices, val_indices = split_indices(args.val_size, args.split_seed)
    train_indices = train_indices[:args.train_size]
    train_loader, val_loader, test_loader = loaders(engine, train_indices, val_indices, args.batch_size, args.seed)
    engine.manual_seed(args.seed)
    model = build_cnn(engine)
    optimizer = make_optimizer(engine, model, args)
    scheduler = (engine.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
                 if args.lr_schedule == "cosine" else None)
    loss_fn = engine.nn.NLLLoss()
    print(f"{args.engine}: {sum(p.numel() for p in model.parameters()):,} weights, {len(train_indices):,} training "
          f"and {len(val_indices):,} validation images", flush=True)
    history = fit(model, train_loader, epochs=args.epochs, optimizer=optimizer, loss_fn=loss_fn,
                  val_loader=val_loader, callbacks=[PrintEpochs()], log_format="none", scheduler=scheduler)
    result = {
        "settings": {key: value for key, value in vars(args).items() if key not in ("save", "evaluate", "no_test")},
        "weights": sum(p.numel() for p in model.parameters()),
        "val_accuracy": history.column("val_accuracy"),
        "train_loss": history.column("train_loss"),
        "epoch_seconds": history.column("seconds"),
        "median_epoch_seconds": statistics.median(history.column("seconds")),
        "test_accuracy": None,
        "versions": {**versions(), "threads": str(args.threads)},
    }
    if args.save:
        import gradstep

        gradstep.save(model.state_dict(), args.save)
    if not args.no_test:
        result["test_accuracy"] = test_accuracy(model, test_loader, loss_fn)
    return result


def test_accuracy(model, test_loader, loss_fn) -> float:
    accuracy = evaluate(model, test_loader, loss_fn).accuracy
    print(f"test accuracy (10,000 images, measured once): {accuracy:.4f}", flush=True)
    return accuracy


def evaluate_saved(path: str) -> float:
    """The test accuracy of weights saved by a run with ``--save`` (always on gradstep)."""
    import gradstep

    model = build_cnn(gradstep)
    model.load_state_dict(gradstep.load(path))
    test_set = FashionMNIST(train=False)
    loader = gradstep.utils.data.DataLoader(test_set, batch_size=EVAL_BATCH_SIZE)
    return test_accuracy(model, loader, gradstep.nn.NLLLoss())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["gradstep", "torch"], default="gradstep")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="adam")
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr-schedule", choices=["constant", "cosine"], default="cosine")
    parser.add_argument("--seed", type=int, default=420, help="first weights and shuffling")
    parser.add_argument("--val-size", type=int, default=5000, help="training images held out for validation")
    parser.add_argument("--split-seed", type=int, default=0, help="which images are held out")
    parser.add_argument("--train-size", type=int, help="train on only this many of the other images (a quick run)")
    parser.add_argument("--threads", type=int, default=THREADS, help="for both NumPy's BLAS and PyTorch")
    parser.add_argument("--name", help="results file name (default: from the settings)")
    parser.add_argument("--no-test", action="store_true", help="validation only: for comparing settings")
    parser.add_argument("--save", metavar="FILE.npz", help="keep the trained weights")
    parser.add_argument("--evaluate", metavar="FILE.npz",
                        help="only measure the test accuracy of saved weights, into the results of --name")
    args = parser.parse_args()
    name = args.name or (f"{args.engine}-{args.optimizer}-lr{args.lr}-{args.lr_schedule}-{args.epochs}ep"
                         + (f"-m{args.momentum}" if args.optimizer == "sgd" else ""))
    path = RESULTS / f"cnn-accuracy-{name}.json"
    if args.evaluate:
        engines()
        result = json.loads(path.read_text())
        result["test_accuracy"] = evaluate_saved(args.evaluate)
    else:
        result = train(args)
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"best validation accuracy {max(result['val_accuracy']):.4f}, last {result['val_accuracy'][-1]:.4f}; "
          f"median epoch {result['median_epoch_seconds']:.1f} s; written to {path}")


if __name__ == "__main__":
    main()
