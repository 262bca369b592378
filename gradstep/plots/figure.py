"""Make and save figures without a display."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gradstep.atomic import atomic_write
from gradstep.plots.chinese_font import add_chinese_font_fallback

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """A blank figure of the given size in inches, able to show Chinese text.

    Built as a bare ``Figure`` rather than through ``pyplot``: no window system
    is involved (as with ``matplotlib.use("Agg")``), nothing piles up in pyplot's
    list of open figures, and a notebook's own backend is left alone.
    """
    from matplotlib.figure import Figure

    add_chinese_font_fallback()
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(figure: Figure, path: str | os.PathLike | None) -> Figure:
    """Write ``figure`` to ``path`` as a PNG when a path is given, and return it.

    The file is written atomically: a process killed while drawing leaves the
    old picture or none, never a truncated one.
    """
    if path is not None:
        with atomic_write(path) as file:
            figure.savefig(file, format="png", dpi=120)
    return figure
