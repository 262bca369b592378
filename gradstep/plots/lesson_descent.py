"""Gradient descent drawn on a loss surface: one step, then whole walks for several learning rates."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure
from gradstep.plots.lesson_surface import draw_path, draw_start, draw_surface

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gradstep.lesson.surfaces import Surface

PATH_COLORS = ["tab:orange", "tab:green", "tab:purple", "tab:red", "tab:brown"]


def plot_one_step(
    surface: Surface,
    start: np.ndarray,
    gradient: np.ndarray,
    lr: float,
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """The point before, the gradient arrow (uphill), the step −η∇L and the point after.

    ``lang`` is the language of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.lesson.surfaces import QuadraticBowl
        >>> bowl = QuadraticBowl()
        >>> w = np.array([1.0, 1.0])
        >>> plot_one_step(bowl, w, bowl.gradient(w), 0.1).axes[0].get_xlabel()
        'weight w1'
    """
    tr = translator(lang)
    after = start - lr * gradient
    figure = new_figure(7.5, 6.5)
    axes = figure.subplots()
    draw_surface(axes, surface, tr)
    arrow = dict(width=0.02, length_includes_head=True, head_width=0.18, zorder=7)
    axes.arrow(*start, *gradient, color="tab:red", label=tr("∇L(w): uphill"), **arrow)
    axes.arrow(*start, *(after - start), color="black", label=tr("step −η∇L, η = {lr}", lr=lr), **arrow)
    axes.plot(*start, "o", color="tab:red", mec="black", ms=10, zorder=8,
              label=tr("before: L = {loss:.3f}", loss=surface.value(start)))
    axes.plot(*after, "o", color="tab:green", mec="black", ms=10, zorder=8,
              label=tr("after: L = {loss:.3f}", loss=surface.value(after)))
    axes.set_title(tr("One step of gradient descent on the {surface} loss", surface=tr(surface.name)),
                   fontweight="bold")
    axes.legend(loc="upper right", framealpha=0.9)
    return save_figure(figure, path)


def plot_learning_rates(
    surface: Surface,
    paths: dict[str, np.ndarray],
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """One panel per learning rate with its walk on the surface, and the loss of every walk below.

    ``paths`` maps each walk's label to its points. ``lang`` is the language of
    the rest of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.lesson.surfaces import QuadraticBowl
        >>> walk = np.array([[1.0, 1.0], [0.5, 0.5]])
        >>> len(plot_learning_rates(QuadraticBowl(), {"η = 0.5": walk}).axes)
        2
    """
    tr = translator(lang)
    figure = new_figure(4 * len(paths), 8)
    top = [f"path {i}" for i in range(len(paths))]
    panels = figure.subplot_mosaic([top, ["loss"] * len(paths)], height_ratios=[1.1, 1])
    loss_axes = panels["loss"]
    for i, ((label, walk), color) in enumerate(zip(paths.items(), PATH_COLORS)):
        axes = panels[f"path {i}"]
        draw_surface(axes, surface, tr)
        draw_start(axes, walk[0], tr)
        draw_path(axes, walk, tr("{steps} steps", steps=len(walk) - 1), color)
        axes.set_title(label, fontsize=10)
        axes.legend(loc="lower right", fontsize=8)
        losses = [surface.value(w) for w in walk]
        loss_axes.semilogy(losses, "o-", color=color, ms=3, label=label)
    loss_axes.set_xlabel(tr("step"))
    loss_axes.set_ylabel(tr("loss (log scale)"))
    loss_axes.set_title(tr("Loss after each step"))
    loss_axes.grid(alpha=0.3)
    loss_axes.legend()
    figure.suptitle(tr("Gradient descent on a {surface} with different learning rates η", surface=tr(surface.name)),
                    fontweight="bold")
    return save_figure(figure, path)
