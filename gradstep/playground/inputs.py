"""Reading the knobs' values sent by a page: every value is checked, and a bad one is named in a clear message.

A page sends what the learner typed, numbers or text. Each reader below takes
one field from the request, converts it and checks its range; anything wrong
raises :class:`BadInput`, which the server answers with HTTP 400 and the page
shows next to the field. The message's wording lives in ``static/texts.json``,
in English and in Chinese, under the error's ``code``; the server fills in the
English one for clients that are not a page (``curl``, scripts).

Example:
    >>> read_number({"lr": "0.1"}, "lr", above=0, at_most=100)
    0.1
    >>> read_number({"lr": -1}, "lr", above=0, at_most=100)
    Traceback (most recent call last):
        ...
    gradstep.playground.inputs.BadInput: η (learning rate) must be more than 0, got -1
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

TEXTS_FILE = Path(__file__).parent / "static" / "texts.json"


@cache
def english_texts() -> dict[str, Any]:
    """The English half of the pages' texts: the server words its error messages with them."""
    return json.loads(TEXTS_FILE.read_text(encoding="utf-8"))["en"]


def fill_in(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each ``{name}`` replaced by ``values[name]``, as the pages fill in their texts.

    Example:
        >>> fill_in('{field} must be more than {min}, like {"lr": 1}', {"field": "η", "min": 0})
        'η must be more than 0, like {"lr": 1}'
    """
    return re.sub(r"\{(\w+)\}", lambda found: str(values.get(found.group(1), found.group(0))), text)


class BadInput(ValueError):
    """A value the playground cannot use: ``code`` names the problem, ``field`` the knob, ``params`` the details.

    Example:
        >>> error = BadInput("at_least", "batch_size", value=0, min=1)
        >>> str(error), error.as_json()["code"]
        ('batch size must be at least 1, got 0', 'at_least')
    """

    def __init__(self, code: str, field: str | None = None, **params: Any) -> None:
        self.code, self.field, self.params = code, field, params
        texts = english_texts()
        field_name = texts["fields"].get(field, field) if field is not None else ""
        super().__init__(fill_in(texts["errors"][code], {**params, "field": field_name}))

    def as_json(self) -> dict[str, Any]:
        """What the API answers: the English message, and what a page needs to word it in its own language."""
        return {"error": str(self), "code": self.code, "field": self.field, "params": self.params}


def _given(values: Mapping[str, Any], field: str, default: Any) -> Any:
    value = values.get(field, default)
    if value is None:
        raise BadInput("missing", field)
    return value


def _shown(value: Any) -> str:
    """How a value is quoted back in a message: as typed, cut short if very long."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_number(
    values: Mapping[str, Any],
    field: str,
    *,
    default: float | None = None,
    above: float | None = None,
    at_least: float | None = None,
    below: float | None = None,
    at_most: float | None = None,
) -> float:
    """The finite number in ``values[field]`` (a JSON number or text such as ``"1e-3"``), within the bounds given.

    Example:
        >>> read_number({"momentum": "0.9"}, "momentum", at_least=0, below=1)
        0.9
    """
    value = _given(values, field, default)
    try:
        if isinstance(value, bool):  # JSON true is no number, though Python counts it as 1
            raise TypeError
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a whole number of hundreds of digits
        raise BadInput("not_a_number", field, value=_shown(value)) from None
    if not math.isfinite(number):
        raise BadInput("not_a_number", field, value=_shown(value))
    shown = f"{number:g}"
    if above is not None and not number > above:
        raise BadInput("more_than", field, value=shown, min=f"{above:g}")
    if at_least is not None and number < at_least:
        raise BadInput("at_least", field, value=shown, min=f"{at_least:g}")
    if below is not None and not number < below:
        raise BadInput("less_than", field, value=shown, max=f"{below:g}")
    if at_most is not None and number > at_most:
        raise BadInput("at_most", field, value=shown, max=f"{at_most:g}")
    return number


def read_integer(
    values: Mapping[str, Any], field: str, *, default: int | None = None, at_least: int, at_most: int
) -> int:
    """The whole number in ``values[field]``, from ``at_least`` to ``at_most``.

    Example:
        >>> read_integer({"steps": "200"}, "steps", at_least=1, at_most=1000)
        200
    """
    value = _given(values, field, default)
    number = read_number({field: value}, field)
    if number != int(number):
        raise BadInput("not_a_whole_number", field, value=_shown(value))
    return int(read_number({field: number}, field, at_least=at_least, at_most=at_most))


def read_choice(values: Mapping[str, Any], field: str, choices: Sequence[str], *, default: str | None = None) -> str:
    """One of ``choices``, as named in ``values[field]``.

    Example:
        >>> read_choice({"optimizer": "adam"}, "optimizer", ["sgd", "adam"])
        'adam'
    """
    value = _given(values, field, default)
    if value not in choices:
        raise BadInput("not_one_of", field, value=_shown(value), choices=", ".join(choices))
    return value


def read_sizes(
    values: Mapping[str, Any], field: str, *, default: Sequence[int], most_layers: int, largest: int
) -> tuple[int, ...]:
    """Layer sizes written as ``"256,128"`` (or sent as a list): at most ``most_layers``, each 1 to ``largest``.

    Example:
        >>> read_sizes({"hidden": "256, 128"}, "hidden", default=[128], most_layers=4, largest=2048)
        (256, 128)
    """
    value = _given(values, field, list(default))
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list) or not parts:
        raise BadInput("not_sizes", field, value=_shown(value))
    try:
        sizes = tuple(read_integer({field: part.strip() if isinstance(part, str) else part}, field,
                                   at_least=1, at_most=largest) for part in parts)
    except BadInput as error:
        if error.code != "at_most":
            raise BadInput("not_sizes", field, value=_shown(value)) from None
        raise BadInput("layer_too_wide", field, value=error.params["value"], max=largest) from None
    if len(sizes) > most_layers:
        raise BadInput("too_many_layers", field, count=len(sizes), max=most_layers)
    return sizes


def read_point(
    values: Mapping[str, Any], field: str, *, default: Sequence[float], largest: float
) -> tuple[float, float]:
    """Two numbers ``[x, y]``, each at most ``largest`` in size.

    Example:
        >>> read_point({"start": [-2.5, "1.5"]}, "start", default=[0, 0], largest=1000)
        (-2.5, 1.5)
    """
    value = _given(values, field, list(default))
    if not isinstance(value, list) or len(value) != 2:
        raise BadInput("not_a_point", field, value=_shown(value))
    x, y = (read_number({field: v}, field, at_least=-largest, at_most=largest) for v in value)
    return x, y
