"""Batches and epochs: how many samples each step sees, and what that costs and buys.

An epoch is one pass over all N training samples. Cut into batches of B samples,
it takes ⌈N / B⌉ steps (⌊N / B⌋ with ``drop_last=True``, which skips a last,
smaller batch): exactly ``len(DataLoader(...))``. Three ways to train:

* full batch (B = N): one exact-gradient step per epoch: steady but slow to learn;
* single sample (B = 1): N noisy steps per epoch: much learning per epoch, but
  each step pays the full cost of a Python-level forward and backward pass;
* mini-batch (B ≈ 32 to 256): many steps per epoch, each one a single
  vectorised computation over B samples: the usual choice.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gradstep
from gradstep.i18n import display_width, pad, translator
from gradstep.utils.data import DataLoader, TensorDataset


def iterations_per_epoch(samples: int, batch_size: int, drop_last: bool = False) -> int:
    """The number of batches in one epoch, as ``len(DataLoader)`` counts them.

    Example:
        >>> iterations_per_epoch(60000, 128), iterations_per_epoch(60000, 128, drop_last=True)
        (469, 468)
    """
    placeholders = TensorDataset(gradstep.zeros(samples))
    return len(DataLoader(placeholders, batch_size=batch_size, drop_last=drop_last))


@dataclass
class TrainingCurve:
    """The training-set loss measured while training with one batch size."""

    batch_size: int
    steps_per_epoch: int
    epochs: list[float] = field(default_factory=list)
    """When each loss was measured, in epochs (fractions within an epoch)."""
    seconds: list[float] = field(default_factory=list)
    """Training time spent by then; the time spent measuring is left out."""
    losses: list[float] = field(default_factory=list)


def fashion_mnist_subset(samples: int) -> TensorDataset:
    """The first ``samples`` Fashion-MNIST training images, flattened to 784 pixels in [0, 1], with their labels."""
    from gradstep.datasets import FashionMNIST

    train_set = FashionMNIST(train=True)
    images = train_set.data[:samples].reshape(samples, -1).float() / 255
    return TensorDataset(images, train_set.targets[:samples])


def small_network(hidden: int = 32) -> gradstep.nn.Module:
    """784 → hidden → 10 with a ReLU: the lesson's network, made narrower to train quickly."""
    nn = gradstep.nn
    return nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def train_with_batch_size(
    dataset: TensorDataset,
    batch_size: int,
    epochs: int,
    lr: float,
    seed: int = 0,
    measurements_per_epoch: int = 20,
) -> TrainingCurve:
    """Train a fresh :func:`small_network` with plain SGD, measuring the loss on the whole dataset as it goes.

    The same ``seed`` gives every batch size the same first weights.

    Example:
        >>> data = TensorDataset(gradstep.rand(64, 784), gradstep.randint(0, 10, (64,)))
        >>> curve = train_with_batch_size(data, batch_size=16, epochs=2, lr=0.1)
        >>> curve.steps_per_epoch, curve.epochs[-1]
        (4, 2.0)
    """
    gradstep.manual_seed(seed)
    model = small_network()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=gradstep.Generator().manual_seed(seed))
    optimizer = gradstep.optim.SGD(model.parameters(), lr=lr)
    loss_fn = gradstep.nn.CrossEntropyLoss()
    inputs, labels = dataset.tensors
    curve = TrainingCurve(batch_size, len(loader))
    measure_every = max(1, len(loader) // measurements_per_epoch)

    def measure(steps_done: int, seconds: float) -> None:
        with gradstep.no_grad():
            curve.losses.append(loss_fn(model(inputs), labels).item())
        curve.epochs.append(steps_done / len(loader))
        curve.seconds.append(seconds)

    seconds, steps_done = 0.0, 0
    measure(steps_done, seconds)
    for _ in range(epochs):
        started = time.perf_counter()
        for step, (batch, batch_labels) in enumerate(loader, start=1):
            optimizer.zero_grad()
            loss_fn(model(batch), batch_labels).backward()
            optimizer.step()
            if step % measure_every == 0 or step == len(loader):
                seconds += time.perf_counter() - started
                measure(steps_done + step, seconds)
                started = time.perf_counter()
        steps_done += len(loader)
    return curve


def demo(out_dir: Path, samples: int = 2000, epochs: int = 4, lr: float = 0.02, lang: str = "en") -> list[Path]:
    """Full-batch, mini-batch and single-sample training of one network on the same images.

    ``lang`` is the language of the printed text and the figure: "en" or "zh-CN".
    """
    from gradstep.plots.lesson_batches import plot_batch_sizes

    tr = translator(lang)
    print_iterations_table(60000, [1, 32, 64, 128, 256, 1000, 60000], lang)
    dataset = fashion_mnist_subset(samples)
    print("\n" + tr("Training 784-32-10 on the first {samples} Fashion-MNIST images: {epochs} epochs of SGD,"
                    " η = {lr}, the same first weights", samples=samples, epochs=epochs, lr=lr))
    columns = [(tr("batch size"), 10), (tr("steps per epoch"), 15), (tr("training seconds"), 16),
               (tr("loss at the end"), 15)]
    # Each column is as wide as its English heading, or as its translation if that is wider.
    widths = [max(width, display_width(heading)) for heading, width in columns]
    print("  " + "  ".join(pad(heading, width, ">") for (heading, _), width in zip(columns, widths)))
    curves = []
    for batch_size in (samples, 32, 1):
        curve = train_with_batch_size(dataset, batch_size, epochs, lr)
        curves.append(curve)
        values = [f"{batch_size}", f"{curve.steps_per_epoch}", f"{curve.seconds[-1]:.2f}", f"{curve.losses[-1]:.4f}"]
        print("  " + "  ".join(value.rjust(width) for value, width in zip(values, widths)))
    path = out_dir / "batches_loss.png"
    plot_batch_sizes(curves, samples, path, lang=lang)
    return [path]


def print_iterations_table(samples: int, batch_sizes: Sequence[int], lang: str = "en") -> None:
    """Print ⌈N / B⌉ and ⌊N / B⌋ next to what ``len(DataLoader)`` reports, for each batch size B."""
    tr = translator(lang)
    print(tr("Iterations per epoch for N = {samples} samples: len(DataLoader(dataset, batch_size=B, drop_last=...))",
             samples=samples))
    print(f"  {'B':>6}  {'⌈N / B⌉':>8}  {'len(loader)':>11}  {'⌊N / B⌋':>8}  {'len(loader), drop_last=True':>27}")
    for batch_size in batch_sizes:
        print(f"  {batch_size:>6}  {math.ceil(samples / batch_size):>8}  {iterations_per_epoch(samples, batch_size):>11}"
              f"  {samples // batch_size:>8}  {iterations_per_epoch(samples, batch_size, drop_last=True):>27}")
