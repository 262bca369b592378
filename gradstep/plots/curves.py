"""Loss and accuracy, epoch after epoch."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gradstep.train import History


def plot_curves(
    history: History,
    path: str | os.PathLike | None = None,
    val_label: str | None = None,
    lang: str = "en",
) -> Figure:
    """Draw training and validation loss (left) and accuracy (right) against the epoch.

    A validation curve that turns up while the training curve keeps going down
    is the picture of overfitting. ``val_label`` names the held-out data in the
    legend (default "validation"; ``gradstep train`` holds out the test set, so
    it says "test"). ``lang`` is the language of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.train import EpochRecord, History
        >>> history = History([EpochRecord(1, 0.6, 0.78, 0.5, 0.82, 3.0),
        ...                    EpochRecord(2, 0.4, 0.85, 0.45, 0.84, 3.0)])
        >>> figure = plot_curves(history)
        >>> [axes.get_title() for axes in figure.axes]
        ['Loss', 'Accuracy']
        >>> [axes.get_title() for axes in plot_curves(history, lang="zh-CN").axes]
        ['损失', '准确率']
    """
    tr = translator(lang)
    labels = {"train": tr("training"), "val": val_label or tr("validation")}
    figure = new_figure(10, 4)
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    epochs = history.column("epoch")
    panels = (
        (loss_axes, "loss", 1, tr("Loss"), tr("loss (mean per image)")),
        (accuracy_axes, "accuracy", 100, tr("Accuracy"), tr("accuracy (%)")),
    )
    for axes, metric, scale, title, y_label in panels:
        for split, style in (("train", "o-"), ("val", "s--")):
            values = history.column(f"{split}_{metric}")
            if all(value is not None for value in values):
                axes.plot(epochs, [value * scale for value in values], style, label=labels[split])
        axes.set_title(title)
        axes.set_xlabel(tr("epoch"))
        axes.set_ylabel(y_label)
        axes.set_xticks(epochs)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(tr("Training history over {epochs} epochs", epochs=len(history)), fontweight="bold")
    return save_figure(figure, path)
