"""gradstep in Chinese: a translation for every message, a font for every character, Chinese demos and pictures."""
from __future__ import annotations

import ast
import io
import re
import string
import unicodedata
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from chinese_text import notebook_figure_text
from fontTools.ttLib import TTFont

import gradstep.plots
from gradstep.datasets import FashionMNIST
from gradstep.i18n import ZH_CN, display_width, language_from_locale, pad, translator
from gradstep.lesson.surfaces import Surface
from gradstep.plots.chinese_font import FONT_FILES
from gradstep.plots.figure import new_figure

ROOT = Path(__file__).parents[1]
MISSING_GLYPH = "missing from font"
"""What matplotlib warns when a character has no glyph in any of its fonts and is drawn as an empty box."""


# --- the catalogue -------------------------------------------------------------------

def test_english_messages_are_their_own_translation():
    assert translator("en")("{correct} of {total} right", correct=3, total=5) == "3 of 5 right"


def test_chinese_replaces_the_message_and_fills_in_its_fields():
    tr = translator("zh-CN")
    assert tr("epoch") == "轮次（epoch）"
    assert tr("Confusion matrix: {images} images, {accuracy:.1%} on the diagonal", images=10000, accuracy=0.8579) == (
        "混淆矩阵：10000 张图片，85.8% 落在对角线上")
    assert [tr(name) for name in FashionMNIST.classes] == [
        "T恤/上衣", "裤子", "套头衫", "连衣裙", "外套", "凉鞋", "衬衫", "运动鞋", "包", "短靴"]


def test_an_unknown_language_or_message_is_refused():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        translator("fr")
    with pytest.raises(KeyError, match="no zh-CN translation of 'no such message'"):
        translator("zh-CN")("no such message")


def _translated_messages() -> dict[str, str]:
    """Every literal message the code hands to a translator, with where it is: ``tr("...")``."""
    found = {}
    for path in sorted((ROOT / "gradstep").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            by_translator = isinstance(function, ast.Name) and function.id == "tr" or (
                isinstance(function, ast.Call) and getattr(function.func, "id", None) == "translator")
            message = node.args[0]
            if by_translator and isinstance(message, ast.Constant):
                found[message.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_message_the_code_translates_has_a_chinese_translation_and_the_catalogue_no_other():
    used = _translated_messages()
    assert len(used) > 100  # the scan sees the plots' and the demos' messages
    # Besides literal messages, the code translates names that are data: the classes and the surfaces.
    data = set(FashionMNIST.classes) | {surface.name for surface in Surface.__subclasses__()}
    untranslated = {message: where for message, where in used.items() if message not in ZH_CN}
    assert not untranslated, f"add these to ZH_CN in gradstep/i18n.py: {untranslated}"
    unused = set(ZH_CN) - set(used) - data
    assert not unused, f"ZH_CN translates messages that nothing asks for: {sorted(unused)}"


def _fields(template: str) -> list[str]:
    return sorted(f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(template) if name is not None)


def test_each_translation_keeps_the_fields_of_its_english_message():
    changed = {english: chinese for english, chinese in ZH_CN.items() if _fields(english) != _fields(chinese)}
    assert not changed, f"these translations lose, add or reformat a {{field}}: {changed}"


@pytest.mark.parametrize(("environment", "language"), [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
    ({"LANG": "zh_TW.UTF-8"}, "zh-CN"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_GB.UTF-8"}, "zh-CN"),
    ({"LC_ALL": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "zh_SG.GB2312", "LANG": "C"}, "zh-CN"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh-CN"),
])
def test_the_language_comes_from_the_first_locale_variable_set(environment, language):
    assert language_from_locale(environment) == language


def test_pad_counts_a_chinese_character_as_two_columns():
    assert display_width("动量 γ = 0.9") == 12
    assert pad("损失", 8) == "损失    " and pad("损失", 8, ">") == "    损失"
    assert pad("loss", 8, ">") == f"{'loss':>8}"


# --- the font --------------------------------------------------------------------------

def _cmap(path: Path) -> set[int]:
    return set(TTFont(path).getBestCmap())


def test_the_shipped_font_has_every_chinese_character_gradstep_draws():
    """The subset must hold each wide character; the rest may come from DejaVu Sans, matplotlib's own font."""
    dejavu = _cmap(Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf"))
    text = "".join(ZH_CN.values()) + notebook_figure_text()
    for font_file in FONT_FILES:
        subset = _cmap(font_file)
        wide = {c for c in text if unicodedata.east_asian_width(c) in "WF" and ord(c) not in subset}
        elsewhere = {c for c in text if c != "\n" and ord(c) not in subset | dejavu}
        assert not wide | elsewhere, (
            f"{font_file.name} lacks {''.join(sorted(wide | elsewhere))!r}: run python tools/make_chinese_font.py")


def test_the_shipped_font_is_small_licensed_and_packaged():
    fonts = FONT_FILES[0].parent
    assert sum(path.stat().st_size for path in FONT_FILES) < 1_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts / "OFL.txt").read_text()
    assert "fonts-noto-cjk" in (fonts / "README.md").read_text()
    assert '"gradstep.plots" = ["fonts/*.otf", "fonts/*.md", "fonts/*.txt"]' in (ROOT / "pyproject.toml").read_text()
    for font_file in FONT_FILES:
        names = TTFont(font_file)["name"]
        assert names.getDebugName(1) == "Noto Sans CJK SC gradstep subset"  # a modified font's own name
        assert "Open Font License" in names.getDebugName(13)


def _missing_glyph_warnings(figure) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    return [str(warning.message) for warning in caught if MISSING_GLYPH in str(warning.message)]


def test_a_figure_of_every_chinese_message_draws_every_character():
    messages = list(ZH_CN.values())
    figure = new_figure(8, 0.25 * len(messages))
    for row, message in enumerate(messages):
        figure.text(0.01, 1 - (row + 1) / (len(messages) + 1), message.replace("\n", " "), fontsize=7,
                    fontweight="bold" if row % 2 else "normal")
    assert _missing_glyph_warnings(figure) == []


def test_a_character_outside_the_shipped_font_is_caught():
    """The check above can fail: a character the subset lacks is reported, not drawn from another font."""
    figure = new_figure(3, 1)
    figure.text(0.1, 0.5, "龘")
    (warning,) = _missing_glyph_warnings(figure)
    assert "Noto Sans CJK SC gradstep subset" in warning


# --- Chinese figures and demos ---------------------------------------------------------

def test_the_training_pictures_speak_chinese():
    from gradstep.train import EpochRecord, History

    history = History([EpochRecord(1, 0.6, 0.78, 0.5, 0.82, 3.0), EpochRecord(2, 0.4, 0.85, 0.45, 0.84, 3.0)])
    curves = gradstep.plots.plot_curves(history, val_label="测试集", lang="zh-CN")
    assert [axes.get_title() for axes in curves.axes] == ["损失", "准确率"]
    assert [text.get_text() for text in curves.axes[0].get_legend().get_texts()] == ["训练集", "测试集"]
    confusion = gradstep.plots.plot_confusion_matrix(np.array([[5, 1], [2, 7]]), ["裤子", "包"], lang="zh-CN")
    assert (confusion.axes[0].get_xlabel(), confusion.axes[0].get_ylabel()) == ("预测类别", "真实类别")
    predictions = gradstep.plots.plot_predictions(np.zeros((2, 28, 28)), [0, 1], [0, 0], ["裤子", "包"], columns=2,
                                                  lang="zh-CN")
    assert predictions.axes[1].get_title() == "裤子\n（真实：包）"
    assert "2 张中对了 1 张" in predictions.get_suptitle()
    for figure in (curves, confusion, predictions):
        assert _missing_glyph_warnings(figure) == []


def _table(output: str, header: str, rows: int) -> list[str]:
    lines = output.splitlines()
    start = next(number for number, line in enumerate(lines) if header in line)
    return lines[start:start + 1 + rows]


@pytest.mark.filterwarnings(f"error:.*{MISSING_GLYPH}")
@pytest.mark.parametrize("name", ["backprop", "descent", "momentum", "batches"])
def test_each_demo_prints_and_draws_in_chinese(name, tmp_path, capsys):
    import importlib

    module = importlib.import_module(f"gradstep.lesson.{name}")
    options = {"samples": 200, "epochs": 1} if name == "batches" else {}
    figures = module.demo(tmp_path, lang="zh-CN", **options)
    output = capsys.readouterr().out
    assert figures and all(path.stat().st_size > 10_000 for path in figures)
    english_words = re.findall(r"\b(?:steps?|loss|weights?|samples?|epochs?|batch|by hand)\b", output)
    assert not english_words, f"gradstep demo {name} --lang zh-CN still prints {english_words}"
    if name in ("backprop", "momentum"):
        differences = [float(value) for value in re.findall(r"最大 \|差异\| = ([0-9.e+-]+)", output)]
        assert differences and max(differences) < 1e-12
    if name == "momentum":  # the walks' names are Chinese, and the columns still line up
        table = _table(output, "达到目标的步数", rows=3)
        assert "普通梯度下降" in table[1] and len({display_width(line) for line in table}) == 1, table
    if name == "batches":
        table = _table(output, "批量大小", rows=3)
        assert len({display_width(line) for line in table}) == 1, table


def test_the_demo_command_takes_lang_or_else_the_locale(tmp_path, capsys, monkeypatch):
    from gradstep.cli import main

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["demo", "backprop", "--out", str(tmp_path)]) == 0
    assert "手算反向传播" in capsys.readouterr().out
    assert main(["demo", "backprop", "--out", str(tmp_path), "--lang", "en"]) == 0
    assert "Backpropagation by hand" in capsys.readouterr().out
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert main(["demo", "backprop", "--out", str(tmp_path)]) == 0
    assert "Backpropagation by hand" in capsys.readouterr().out


@pytest.mark.filterwarnings(f"error:.*{MISSING_GLYPH}")
def test_train_draws_its_pictures_in_chinese(tmp_path, monkeypatch):
    from gradstep.cli import main

    drawn = {}

    def recording(name):
        draw = getattr(gradstep.plots, name)

        def record(*args, **kwargs):
            drawn[name] = (args, kwargs)
            return draw(*args, **kwargs)
        return record

    for name in ("plot_curves", "plot_confusion_matrix", "plot_predictions", "plot_filters"):
        monkeypatch.setattr(gradstep.plots, name, recording(name))
    argv = ["train", "--train-size", "500", "--epochs", "1", "--log-format", "none", "--out", str(tmp_path)]
    assert main([*argv, "--lang", "zh-CN"]) == 0
    assert {kwargs["lang"] for name, (_, kwargs) in drawn.items() if name != "plot_filters"} == {"zh-CN"}
    assert drawn["plot_filters"][0][1] == "MLP 的第一层：128 个单元中的 32 个，每个一张 28×28 的权重图"
    assert drawn["plot_curves"][1]["val_label"] == "测试集"
    assert drawn["plot_confusion_matrix"][0][1][:3] == ["T恤/上衣", "裤子", "套头衫"]
    assert drawn["plot_predictions"][0][3][-1] == "短靴"
    for picture in ("curves.png", "confusion_matrix.png", "predictions.png", "first_layer.png"):
        assert (tmp_path / picture).stat().st_size > 10_000
