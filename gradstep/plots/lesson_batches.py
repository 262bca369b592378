"""Training with different batch sizes: the loss per epoch and per second of computing."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gradstep.lesson.batches import TrainingCurve

BATCH_COLORS = ["tab:blue", "tab:green", "tab:red", "tab:purple", "tab:brown"]


def _name(curve: TrainingCurve, samples: int, tr: Callable[..., str]) -> str:
    steps = curve.steps_per_epoch
    if curve.batch_size == samples:
        return tr("full batch (B = {samples}): {steps} step per epoch", samples=samples, steps=steps)
    if curve.batch_size == 1:
        return tr("single sample (B = 1): {steps} steps per epoch", steps=steps)
    return tr("mini-batch (B = {batch_size}): {steps} steps per epoch", batch_size=curve.batch_size, steps=steps)


def plot_batch_sizes(
    curves: Sequence[TrainingCurve],
    samples: int,
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """Loss against epochs (left) and against training seconds (right, log scale), one line per batch size.

    ``lang`` is the language of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.lesson.batches import TrainingCurve
        >>> curve = TrainingCurve(4, 2, epochs=[0, 0.5, 1], seconds=[0, 0.1, 0.2], losses=[2.3, 1.5, 1.1])
        >>> [axes.get_xlabel() for axes in plot_batch_sizes([curve], samples=8).axes]
        ['epoch', 'training time (seconds, log scale)']
    """
    tr = translator(lang)
    figure = new_figure(12, 5.5)
    epoch_axes, time_axes = figure.subplots(1, 2, sharey=True)
    for curve, color in zip(curves, BATCH_COLORS):
        label = _name(curve, samples, tr)
        epoch_axes.plot(curve.epochs, curve.losses, "o-", color=color, ms=3, label=label)
        # The first measurement is at 0 seconds, which a log scale cannot place.
        time_axes.plot(curve.seconds[1:], curve.losses[1:], "o-", color=color, ms=3, label=label)
    epoch_axes.set_xlabel(tr("epoch"))
    epoch_axes.set_ylabel(tr("loss on all {samples} training images", samples=samples))
    epoch_axes.set_title(tr("Loss per epoch: smaller batches take more steps"))
    time_axes.set_xscale("log")
    time_axes.set_xlabel(tr("training time (seconds, log scale)"))
    time_axes.set_title(tr("Loss per second of training"))
    for axes in (epoch_axes, time_axes):
        axes.grid(alpha=0.3)
    # One legend under both panels, where it hides no curve.
    figure.legend(*epoch_axes.get_legend_handles_labels(), loc="outside lower center", ncols=len(curves))
    figure.suptitle(tr("The same network and data trained with three batch sizes"), fontweight="bold")
    return save_figure(figure, path)
