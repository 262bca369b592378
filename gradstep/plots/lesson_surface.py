"""Drawing a loss surface over two weights, and walks across it."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from gradstep.lesson.surfaces import Surface


def draw_surface(axes: Axes, surface: Surface, tr: Callable[..., str], levels: int = 12) -> None:
    """Contour lines of ``surface``, closer together where the loss climbs faster, and its lowest point.

    The levels are spaced evenly in log(loss − lowest loss), so the flat floor of
    a valley gets as many lines as its steep walls. ``tr`` translates the labels
    (see :func:`gradstep.i18n.translator`).
    """
    w1, w2, losses = surface.grid(size=120)
    lowest = losses.min()
    excess = losses - lowest
    spaced = np.geomspace(excess.max() * 3e-3, excess.max(), levels)
    axes.contourf(w1, w2, excess, levels=np.concatenate([[0], spaced]), cmap="Blues_r", alpha=0.55)
    axes.contour(w1, w2, excess, levels=spaced, colors="steelblue", linewidths=0.6)
    row, column = np.unravel_index(losses.argmin(), losses.shape)
    axes.plot(w1[row, column], w2[row, column], "*", color="gold", mec="black", ms=14, zorder=5,
              label=tr("lowest loss"))
    axes.set_xlim(surface.x_range)
    axes.set_ylim(surface.y_range)
    axes.set_xlabel(tr("weight w1"))
    axes.set_ylabel(tr("weight w2"))


def draw_path(axes: Axes, path: np.ndarray, label: str, color: str, **style) -> None:
    """A walk over the surface, its points joined by lines."""
    axes.plot(path[:, 0], path[:, 1], "o-", color=color, ms=3.5, lw=1.4, label=label, **style)


def draw_start(axes: Axes, point: np.ndarray, tr: Callable[..., str]) -> None:
    """Where the walks begin: a black square."""
    axes.plot(*point, "s", color="black", ms=8, zorder=6, label=tr("start"))
