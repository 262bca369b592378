"""The Chinese lesson stays the English lesson: the same notebooks' code, the same README commands and numbers.

When one side changes, these tests name what now differs (the notebook and cell,
or the README section, table and row), so the other side can be brought along.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from chinese_text import CHINESE_NOTEBOOKS, ENGLISH_NOTEBOOKS, cells, code_cells

from gradstep.i18n import display_width

ROOT = Path(__file__).parents[1]
LANGUAGE_SETTING = ("en", "zh-CN")
"""The one string that differs between the twins without being a translation: ``lang = "en"``."""


def is_chinese(text: str) -> bool:
    """Whether ``text`` holds Chinese: a wide character such as 汉 or a full-width ，."""
    return display_width(text) > len(text)


# --- the notebooks -------------------------------------------------------------------

def code_differences(english: ast.AST, chinese: ast.AST, line: int = 1) -> list[str]:
    """Where two parsed pieces of code differ, other than in translated text.

    Comments are not in the tree. A string may differ when the Chinese one holds
    Chinese; an f-string may reword its text too, but must hold the same
    expressions (with the same formats). Everything else must be identical.
    """
    line = getattr(english, "lineno", line)
    where = f"line {line}"
    if type(english) is not type(chinese):
        return [f"{where}: English {ast.unparse(english)!r}, Chinese {ast.unparse(chinese)!r}"]
    if isinstance(english, ast.Constant) and isinstance(english.value, str):
        same = english.value == chinese.value or is_chinese(chinese.value)
        same = same or (english.value, chinese.value) == LANGUAGE_SETTING
        return [] if same else [f"{where}: English {english.value!r}, Chinese {chinese.value!r} (not a translation)"]
    if isinstance(english, ast.JoinedStr):
        fields = [Counter(ast.dump(value) for value in node.values if isinstance(value, ast.FormattedValue))
                  for node in (english, chinese)]
        text = [[value.value for value in node.values if isinstance(value, ast.Constant)] for node in (english, chinese)]
        if fields[0] != fields[1]:
            return [f"{where}: English {ast.unparse(english)}, Chinese {ast.unparse(chinese)} (other {{fields}})"]
        if text[0] != text[1] and not is_chinese("".join(text[1])):
            return [f"{where}: English {ast.unparse(english)}, Chinese {ast.unparse(chinese)} (not a translation)"]
        return []
    differences = []
    for field in english._fields:
        english_value, chinese_value = getattr(english, field), getattr(chinese, field)
        if isinstance(english_value, list) and isinstance(chinese_value, list):
            if len(english_value) != len(chinese_value):
                differences.append(f"{where}: {field} has {len(english_value)} items in English, "
                                   f"{len(chinese_value)} in Chinese")
                continue
            pairs = list(zip(english_value, chinese_value))
        else:
            pairs = [(english_value, chinese_value)]
        for english_item, chinese_item in pairs:
            if isinstance(english_item, ast.AST):
                differences += code_differences(english_item, chinese_item, line)
            elif english_item != chinese_item:
                differences.append(f"{where}: English {english_item!r}, Chinese {chinese_item!r}")
    return differences


PAIRS = [(path, path.parent / "zh-CN" / path.name) for path in ENGLISH_NOTEBOOKS]


def test_every_english_notebook_has_a_chinese_twin_and_no_other():
    assert [path.name for path in CHINESE_NOTEBOOKS] == [path.name for path in ENGLISH_NOTEBOOKS]


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=[path.stem for path, _ in PAIRS])
def test_the_chinese_notebook_runs_the_same_code(english, chinese):
    english_cells, chinese_cells = code_cells(english), code_cells(chinese)
    assert len(chinese_cells) == len(english_cells), (
        f"{chinese.name}: {len(chinese_cells)} code cells in Chinese, {len(english_cells)} in English")
    differences = [f"code cell {number}, {difference}"
                   for number, (english_code, chinese_code) in enumerate(zip(english_cells, chinese_cells), start=1)
                   for difference in code_differences(ast.parse(english_code), ast.parse(chinese_code))]
    assert not differences, f"notebooks/zh-CN/{chinese.name} differs from its English twin:\n" + "\n".join(differences)


MATH_AND_CODE = re.compile(r"\$\$.+?\$\$|\$.+?\$|`[^`]+`", re.S)
"""Formulas and code in a notebook's prose: they stay the same in every language."""


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=[path.stem for path, _ in PAIRS])
def test_the_chinese_prose_sits_where_the_english_does_with_the_same_formulas(english, chinese):
    english_cells, chinese_cells = cells(english), cells(chinese)
    assert [kind for kind, _ in chinese_cells] == [kind for kind, _ in english_cells], (
        f"{chinese.name}: the cells are not in the English order (markdown, code, ...)")
    for number, ((kind, english_text), (_, chinese_text)) in enumerate(zip(english_cells, chinese_cells), start=1):
        if kind != "markdown":
            continue
        assert is_chinese(chinese_text), f"{chinese.name}, cell {number} is not in Chinese"
        headings = [[line.split(" ")[0] for line in text.splitlines() if line.startswith("#")]
                    for text in (english_text, chinese_text)]
        assert headings[1] == headings[0], f"{chinese.name}, cell {number}: headings {headings[0]} became {headings[1]}"
        english_pieces, chinese_pieces = Counter(MATH_AND_CODE.findall(english_text)), Counter(
            MATH_AND_CODE.findall(chinese_text))
        assert chinese_pieces == english_pieces, (
            f"{chinese.name}, cell {number}: formulas and code that only the English has: "
            f"{sorted((english_pieces - chinese_pieces).elements())}; only the Chinese: "
            f"{sorted((chinese_pieces - english_pieces).elements())}")


def test_the_code_comparison_catches_a_changed_line_and_lets_a_translation_through():
    english = ast.parse('print(f"loss {loss:.4f}", "done")\nx = run(3)  # three')
    translated = ast.parse('print(f"损失 {loss:.4f}", "完成")\nx = run(3)  # 三')
    assert code_differences(english, translated) == []
    reworded = ast.parse('print(f"loss {loss:.4f}", "finished")\nx = run(3)')
    assert code_differences(english, reworded) == ["line 1: English 'done', Chinese 'finished' (not a translation)"]
    changed = ast.parse('print(f"损失 {loss:.2f}", "完成")\nx = run(4)')
    assert code_differences(english, changed) == [
        "line 1: English f'loss {loss:.4f}', Chinese f'损失 {loss:.2f}' (other {fields})",
        "line 2: English 3, Chinese 4"]


# --- the READMEs ---------------------------------------------------------------------

ENGLISH_README = (ROOT / "README.md").read_text(encoding="utf-8")
CHINESE_README = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def sections(readme: str) -> list[tuple[str, str]]:
    """``(heading, text)`` for each ``##`` section, the part before the first one named "top"."""
    parts = re.split(r"^## (.*)$", readme, flags=re.M)
    return [("top", parts[0])] + list(zip(parts[1::2], parts[2::2]))


def code_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` for each fenced block."""
    return FENCE.findall(text)


def block_differences(language: str, english: str, chinese: str) -> list[str]:
    """Where two code blocks differ, leaving out what is translated: comments, and a file tree's descriptions."""
    if language == "python":
        return code_differences(ast.parse(english), ast.parse(chinese))
    if language == "bash":
        english, chinese = (re.sub(r"(^|\s+)#.*$", "", line) for line in english.splitlines()), (
            re.sub(r"(^|\s+)#.*$", "", line) for line in chinese.splitlines())
    else:  # a tree of files: the names stay
        english, chinese = ([" ".join(re.findall(r"[\w.-]+/|\w+\.\w+", line)) for line in code.splitlines()]
                            for code in (english, chinese))
    english, chinese = list(english), list(chinese)
    differing = [f"README.md: {e!r}\n    README.zh-CN.md: {c!r}" for e, c in zip(english, chinese) if e != c]
    if len(english) != len(chinese):
        differing.append(f"{len(english)} lines in README.md, {len(chinese)} in README.zh-CN.md")
    return differing


def tables(text: str) -> list[list[str]]:
    """Each Markdown table as its rows (the |---| row left out)."""
    found, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            if not re.fullmatch(r"[|\s:-]+", line):
                rows.append(line)
        elif rows:
            found.append(rows)
            rows = []
    return found


NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def prose(text: str) -> str:
    """A section's text without its code blocks, tables, links and inline code."""
    text = FENCE.sub("", text)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("|"))
    text = re.sub(r"`[^`]*`|\]\([^)]*\)", "", text)
    return text


def test_each_readme_links_to_the_other_at_the_top():
    assert "(README.zh-CN.md)" in sections(ENGLISH_README)[0][1]
    assert "(README.md)" in sections(CHINESE_README)[0][1]


def test_the_chinese_readme_opens_with_the_same_two_commands():
    first_block = FENCE.search(ENGLISH_README).group(0)
    assert FENCE.search(CHINESE_README).group(0) == first_block


def test_the_readmes_have_the_same_sections_in_the_same_order():
    english, chinese = sections(ENGLISH_README), sections(CHINESE_README)
    assert len(chinese) == len(english), (
        f"README.md has {len(english) - 1} sections: {[name for name, _ in english[1:]]};"
        f" README.zh-CN.md has {len(chinese) - 1}: {[name for name, _ in chinese[1:]]}")
    for (english_name, _), (chinese_name, _) in zip(english, chinese):
        assert is_chinese(chinese_name) or chinese_name == english_name, f"section {english_name!r} is not translated"


def _section_pairs():
    return [pytest.param(english, chinese, id=english[0])
            for english, chinese in zip(sections(ENGLISH_README), sections(CHINESE_README))]


@pytest.mark.parametrize(("english", "chinese"), _section_pairs())
def test_each_section_carries_the_same_commands(english, chinese):
    (name, english_text), (chinese_name, chinese_text) = english, chinese
    english_blocks, chinese_blocks = code_blocks(english_text), code_blocks(chinese_text)
    assert len(chinese_blocks) == len(english_blocks), (
        f"section {name!r} has {len(english_blocks)} code blocks in README.md, {len(chinese_blocks)} in README.zh-CN.md")
    for number, ((language, english_code), (chinese_language, chinese_code)) in enumerate(
            zip(english_blocks, chinese_blocks), start=1):
        assert chinese_language == language, (
            f"section {name!r}, code block {number}: ```{language} became ```{chinese_language}")
        differences = block_differences(language, english_code, chinese_code)
        assert not differences, (f"section {name!r} ({chinese_name}), code block {number} differs (comments aside):\n  "
                                 + "\n  ".join(differences))


@pytest.mark.parametrize(("english", "chinese"), _section_pairs())
def test_each_section_has_the_same_tables_with_the_same_numbers(english, chinese):
    (name, english_text), (chinese_name, chinese_text) = english, chinese
    english_tables, chinese_tables = tables(english_text), tables(chinese_text)
    assert len(chinese_tables) == len(english_tables), (
        f"section {name!r} has {len(english_tables)} tables in README.md, {len(chinese_tables)} in README.zh-CN.md")
    for number, (english_rows, chinese_rows) in enumerate(zip(english_tables, chinese_tables), start=1):
        assert len(chinese_rows) == len(english_rows), (
            f"section {name!r}, table {number}: {len(english_rows)} rows in README.md, {len(chinese_rows)} in the Chinese")
        for english_row, chinese_row in zip(english_rows, chinese_rows):
            assert numbers(chinese_row) == numbers(english_row), (
                f"section {name!r} ({chinese_name}), table {number}, a row's numbers differ:\n"
                f"  README.md:        {english_row}\n  README.zh-CN.md:  {chinese_row}")


@pytest.mark.parametrize(("english", "chinese"), _section_pairs())
def test_each_section_quotes_the_same_numbers_in_its_prose(english, chinese):
    (name, english_text), (chinese_name, chinese_text) = english, chinese
    english_numbers, chinese_numbers = Counter(numbers(prose(english_text))), Counter(numbers(prose(chinese_text)))
    assert chinese_numbers == english_numbers, (
        f"section {name!r} ({chinese_name}): numbers only in README.md: "
        f"{sorted((english_numbers - chinese_numbers).elements())}; only in README.zh-CN.md: "
        f"{sorted((chinese_numbers - english_numbers).elements())}")
