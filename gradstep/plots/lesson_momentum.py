"""Momentum drawn: walks with and without it, and its two written forms tracing one path."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure
from gradstep.plots.lesson_surface import draw_path, draw_start, draw_surface

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gradstep.lesson.momentum import ValleyWalks
    from gradstep.lesson.surfaces import Surface

MOMENTUM_COLORS = ["tab:red", "tab:orange", "tab:green", "tab:purple"]


def plot_momentum_paths(
    valleys: Sequence[ValleyWalks],
    names: Mapping[float, str],
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """For each surface, the walks drawn on it (top) and their loss above the lowest, step by step (below).

    ``names`` labels each walk by its momentum γ, such as ``{0.9: "momentum γ = 0.9"}``.
    ``lang`` is the language of the rest of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.lesson.momentum import ValleyWalks
        >>> from gradstep.lesson.surfaces import QuadraticBowl
        >>> walk = np.array([[1.0, 1.0], [0.5, 0.5]])
        >>> valley = ValleyWalks(QuadraticBowl(), 0.0, 0.01, {0.0: walk})
        >>> len(plot_momentum_paths([valley], {0.0: "plain gradient descent"}).axes)
        2
    """
    tr = translator(lang)
    figure = new_figure(6.5 * len(valleys), 10)
    grid = figure.subplots(2, len(valleys), height_ratios=[1.3, 1], squeeze=False)
    for column, valley in enumerate(valleys):
        walk_axes, loss_axes = grid[0, column], grid[1, column]
        surface_name = tr(valley.surface.name).capitalize()
        draw_surface(walk_axes, valley.surface, tr)
        draw_start(walk_axes, next(iter(valley.paths.values()))[0], tr)
        for (momentum, walk), color in zip(valley.paths.items(), MOMENTUM_COLORS):
            draw_path(walk_axes, walk, names[momentum], color)
            above_lowest = [valley.surface.value(w) - valley.lowest for w in walk]
            loss_axes.semilogy(above_lowest, "-", color=color, lw=1.8, label=names[momentum])
        steps = len(walk) - 1
        walk_axes.set_title(tr("{surface}: {steps} steps, η the same for all", surface=surface_name, steps=steps),
                            fontsize=11)
        walk_axes.legend(loc="lower right", fontsize=9, framealpha=0.9)
        loss_axes.axhline(valley.target - valley.lowest, color="black", ls="--", lw=1, label=tr("target"))
        loss_axes.set_xlabel(tr("step"))
        loss_axes.set_ylabel(tr("loss − lowest loss (log scale)"))
        loss_axes.set_title(tr("{surface}: how far above the bottom", surface=surface_name), fontsize=11)
        loss_axes.grid(alpha=0.3)
        loss_axes.legend(fontsize=9)
    figure.suptitle(tr("Momentum damps the zig-zag across a narrow valley and speeds the walk along it"),
                    fontweight="bold")
    return save_figure(figure, path)


def plot_two_forms(
    walks: Sequence[tuple[Surface, np.ndarray, np.ndarray]],
    momentum: float,
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """The textbook form (line) and PyTorch's form (rings) on each surface, and how far apart they are.

    ``walks`` holds ``(surface, textbook_path, pytorch_path)`` triples. ``lang``
    is the language of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.lesson.surfaces import QuadraticBowl
        >>> walk = np.array([[1.0, 1.0], [0.5, 0.5]])
        >>> len(plot_two_forms([(QuadraticBowl(), walk, walk)], 0.9).axes)
        2
    """
    tr = translator(lang)
    figure = new_figure(5.5 * (len(walks) + 1), 5.2)
    panels = figure.subplots(1, len(walks) + 1)
    difference_axes = panels[-1]
    for axes, (surface, textbook, pytorch), color in zip(panels, walks, MOMENTUM_COLORS[2:]):
        draw_surface(axes, surface, tr)
        draw_start(axes, textbook[0], tr)
        draw_path(axes, textbook, tr("textbook: v ← γv − η∇L; w ← w + v"), color)
        axes.plot(pytorch[:, 0], pytorch[:, 1], "o", mfc="none", mec="black", ms=7, mew=1,
                  label=tr("PyTorch: v ← γv + ∇L; w ← w − ηv"))
        axes.set_title(tr("{surface}, γ = {momentum}", surface=tr(surface.name).capitalize(), momentum=momentum),
                       fontsize=11)
        axes.legend(loc="lower right", fontsize=8.5, framealpha=0.9)
        apart = np.abs(textbook - pytorch).max(axis=1)
        # Steps where the two agree to the last bit are 0, which a log scale cannot show.
        difference_axes.semilogy(np.where(apart > 0, apart, np.nan), "o-", color=color, ms=3,
                                 label=tr(surface.name))
    difference_axes.axhline(np.finfo(np.float64).eps, color="grey", ls="--", lw=1,
                            label=tr("float64 precision (2.2e-16)"))
    difference_axes.set_xlabel(tr("step"))
    difference_axes.set_ylabel(tr("|textbook w − PyTorch w| (log scale)"))
    difference_axes.set_title(tr("Distance between the two walks"), fontsize=11)
    difference_axes.grid(alpha=0.3)
    difference_axes.legend(fontsize=9)
    figure.suptitle(tr("Two ways to write momentum, one walk"), fontweight="bold")
    return save_figure(figure, path)
