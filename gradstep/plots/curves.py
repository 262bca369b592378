"""Loss and accuracy, epoch after epoch."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gradstep.plots.figure import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gradstep.train import History


def plot_curves(history: History, path: str | os.PathLike | None = None, val_label: str = "validation") -> Figure:
    """Draw training and validation loss (left) and accuracy (right) against the epoch.

    A validation curve that turns up while the training curve keeps going down
    is the picture of overfitting. ``val_label`` names the held-out data in the
    legend (``gradstep train`` holds out the test set, so it says "test").

    Example:
        >>> from gradstep.train import EpochRecord, History
        >>> history = History([EpochRecord(1, 0.6, 0.78, 0.5, 0.82, 3.0),
        ...                    EpochRecord(2, 0.4, 0.85, 0.45, 0.84, 3.0)])
        >>> figure = plot_curves(history)
        >>> [axes.get_title() for axes in figure.axes]
        ['Loss', 'Accuracy']
    """
    figure = new_figure(10, 4)
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    epochs = history.column("epoch")
    for axes, metric, scale in ((loss_axes, "loss", 1), (accuracy_axes, "accuracy", 100)):
        for split, style in (("train", "o-"), ("val", "s--")):
            values = history.column(f"{split}_{metric}")
            if all(value is not None for value in values):
                label = "training" if split == "train" else val_label
                axes.plot(epochs, [value * scale for value in values], style, label=label)
        axes.set_title(metric.capitalize())
        axes.set_xlabel("epoch")
        axes.set_ylabel("accuracy (%)" if metric == "accuracy" else "loss (mean per image)")
        axes.set_xticks(epochs)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(f"Training history over {len(history)} epochs", fontweight="bold")
    return save_figure(figure, path)
