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


def plot_stability(
    learning_rates: np.ndarray,
    final_losses: np.ndarray,
    limit: float,
    minimum_loss: float,
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """The loss left after a fixed number of descent steps, against η, with the edge η = 2/λmax marked.

    ``lang`` is the language of the text: "en" or "zh-CN".

    Example:
        >>> figure = plot_stability(np.array([0.5, 1.0, 1.5]), np.array([0.3, 0.2, np.inf]), 1.2, 0.1)
        >>> figure.axes[0].get_xlabel()
        'learning rate η'
    """
    tr = translator(lang)
    figure = new_figure(7.5, 4.5)
    axes = figure.subplots()
    finite = np.isfinite(final_losses)
    axes.semilogy(learning_rates[finite], final_losses[finite] - minimum_loss + 1e-16, "o-", ms=3,
                  color="tab:blue", label=tr("loss above the minimum after the walk"))
    if not finite.all():
        axes.plot(learning_rates[~finite], np.full((~finite).sum(), axes.get_ylim()[1]), "x", color="tab:red",
                  label=tr("diverged"))
    axes.axvline(limit, color="tab:red", linestyle="--", label=f"η = 2/λmax = {limit:.3f}")
    axes.set_xlabel(tr("learning rate η"))
    axes.set_ylabel(tr("L(w) − L(w*) (log scale)"))
    axes.set_title(tr("Near the minimum, descent settles below η = 2/λmax and not above it"), fontweight="bold")
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path)


def plot_newton_step(
    surface: Surface,
    start: np.ndarray,
    by_gradient: np.ndarray,
    by_newton: np.ndarray,
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """One gradient step and one Newton step from the same point.

    ``lang`` is the language of the text: "en" or "zh-CN".

    Example:
        >>> from gradstep.lesson.surfaces import QuadraticBowl
        >>> w = np.array([1.0, 1.0])
        >>> plot_newton_step(QuadraticBowl(), w, 0.9 * w, 0 * w).axes[0].get_title()
        'A gradient step and a Newton step from the same point'
    """
    tr = translator(lang)
    figure = new_figure(7.5, 6.5)
    axes = figure.subplots()
    draw_surface(axes, surface, tr)
    draw_start(axes, start, tr)
    for end, color, label in ((by_gradient, "tab:orange", tr("gradient step w − η∇L")),
                              (by_newton, "tab:purple", tr("Newton step w − H⁻¹∇L"))):
        axes.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color=color, lw=2), zorder=7)
        axes.plot(*end, "o", color=color, mec="black", ms=9, zorder=8, label=f"{label}: L = {surface.value(end):.3f}")
    axes.set_title(tr("A gradient step and a Newton step from the same point"), fontweight="bold")
    axes.legend(loc="upper right", framealpha=0.9)
    return save_figure(figure, path)
