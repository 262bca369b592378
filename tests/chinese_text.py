"""Reading the notebooks: the English and Chinese lessons, and the Chinese text their figures draw."""
from __future__ import annotations

import ast
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
ENGLISH_NOTEBOOKS = sorted(NOTEBOOKS.glob("*.ipynb"))
CHINESE_NOTEBOOKS = sorted((NOTEBOOKS / "zh-CN").glob("*.ipynb"))


def cells(path: Path) -> list[tuple[str, str]]:
    """``(cell_type, source)`` for each cell of a notebook: "markdown" or "code"."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [(cell["cell_type"], "".join(cell["source"])) for cell in notebook["cells"]]


def code_cells(path: Path) -> list[str]:
    """The source of each code cell of a notebook, its IPython magics (``%matplotlib inline``) left out."""
    return ["\n".join(line for line in source.splitlines() if not line.startswith("%"))
            for kind, source in cells(path) if kind == "code"]


def string_constants(source: str) -> list[str]:
    """Every string literal in ``source``, the literal parts of f-strings included."""
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def notebook_figure_text() -> str:
    """All the text written in the Chinese notebooks' code: the labels they hand to the figures among it."""
    return "".join(text for path in CHINESE_NOTEBOOKS for cell in code_cells(path) for text in string_constants(cell))
