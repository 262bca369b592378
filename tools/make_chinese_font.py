"""Cut the Chinese font that gradstep ships down to the characters its Chinese text uses.

    apt-get install fonts-noto-cjk          # Debian's Noto Sans CJK, SIL Open Font License 1.1
    python tools/make_chinese_font.py       # writes gradstep/plots/fonts/NotoSansCJKsc-*-gradstep-subset.otf

Run it again after adding Chinese text: to the catalogue in ``gradstep/i18n.py``
or to the figures of the notebooks in ``notebooks/zh-CN/``. The test
``tests/test_i18n.py`` says which characters are missing when it is needed.

The subset keeps every character of that text (Chinese, punctuation, and the
Latin letters and digits around them), renamed so that it is never taken for
the full font. A few hundred characters make about 100 KB for each weight.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chinese_text import notebook_figure_text  # noqa: E402

from gradstep.i18n import ZH_CN  # noqa: E402
from gradstep.plots.chinese_font import FAMILY, FONT_FILES  # noqa: E402

SOURCE_FOLDER = Path("/usr/share/fonts/opentype/noto")
SOURCE_FACE = "Noto Sans CJK SC"


def characters_to_keep() -> str:
    """Every character of the Chinese catalogue and of the Chinese notebooks' figure text, sorted."""
    text = "".join(ZH_CN.values()) + notebook_figure_text()
    return "".join(sorted(set(text) - {"\n"}))


def make_subset(source: Path, target: Path, characters: str) -> None:
    collection = TTCollection(source)
    (font,) = [face for face in collection.fonts if face["name"].getDebugName(1) == SOURCE_FACE]
    options = subset.Options()
    options.hinting = False  # FreeType draws these outlines well without hints; they would double the size
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # copyright, names, version, licence
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(character) for character in characters])
    subsetter.subset(font)
    _rename(font, FAMILY)
    font.save(target)


def _rename(font, family: str) -> None:
    """Give the subset its own names, as the SIL Open Font License asks of a modified font."""
    names = font["name"]
    style = names.getDebugName(2)  # Regular or Bold
    postscript = f"{family.replace(' ', '')}-{style}"
    for name_id, value in ((1, family), (3, f"{postscript};subset"), (4, f"{family} {style}"), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode, English
        names.setName(value, name_id, 1, 0, 0)  # Macintosh, Roman, English
    names.names = [record for record in names.names if record.nameID not in (16, 17)]
    font["CFF "].cff.fontNames = [postscript]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE_FOLDER,
                        help=f"the folder of NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc (default {SOURCE_FOLDER})")
    args = parser.parse_args()
    characters = characters_to_keep()
    for target in FONT_FILES:
        weight = target.name.split("-")[1]  # NotoSansCJKsc-Bold-gradstep-subset.otf
        make_subset(args.source / f"NotoSansCJK-{weight}.ttc", target, characters)
        print(f"{target.relative_to(ROOT)}: {len(characters)} characters, {target.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
