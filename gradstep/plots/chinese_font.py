"""A Chinese font that matplotlib can always use, shipped inside gradstep.

matplotlib's own font, DejaVu Sans, has no Chinese characters: on a machine
without a Chinese font, a figure with Chinese labels would show empty boxes.
gradstep ships a small subset of Noto Sans CJK SC (SIL Open Font License, see
``fonts/README.md``) that holds every Chinese character of gradstep's figures,
and puts it behind the usual font: letters, digits and symbols still come from
DejaVu Sans, and each character that font lacks comes from this one.
"""
from __future__ import annotations

from pathlib import Path

FONT_FILES = tuple(Path(__file__).parent / "fonts" / f"NotoSansCJKsc-{weight}-gradstep-subset.otf"
                   for weight in ("Regular", "Bold"))
FAMILY = "Noto Sans CJK SC gradstep subset"
"""The subset's own family name, so it is never mistaken for a full Noto Sans CJK SC."""


def add_chinese_font_fallback() -> None:
    """Register the shipped font (regular and bold) with matplotlib, as the last fallback of ``font.family``.

    Since matplotlib 3.6, ``rcParams["font.family"]`` may list several families,
    and a character missing from the first is looked for in the next. Calling
    this again does nothing more.

    Example:
        >>> add_chinese_font_fallback()
        >>> import matplotlib
        >>> matplotlib.rcParams["font.family"][-1]
        'Noto Sans CJK SC gradstep subset'
    """
    from matplotlib import font_manager, rcParams

    registered = {font.fname for font in font_manager.fontManager.ttflist}
    for font_file in FONT_FILES:
        if str(font_file) not in registered:
            font_manager.fontManager.addfont(str(font_file))
    families = list(rcParams["font.family"])
    if FAMILY not in families:
        rcParams["font.family"] = [*families, FAMILY]
