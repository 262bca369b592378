"""``repr`` of a tensor in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._tensor import Tensor

_DEFAULT_DTYPES = ("float32", "int64", "bool")

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}
# What set_printoptions changes; sci_mode None lets each tensor choose, as PyTorch does.
options = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """How tensors print, as ``torch.set_printoptions``: digits after the point, when to summarise with ``...``.

    >>> import gradstep
    >>> gradstep.set_printoptions(precision=2)
    >>> gradstep.tensor([1.0, 2.5])
    tensor([1.00, 2.50])
    >>> gradstep.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions(): profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        options.update(_PROFILES[profile])
    chosen = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    options.update({key: value for key, value in chosen.items() if value is not None})
    options["sci_mode"] = sci_mode


def _float_formatter(values: np.ndarray):
    """PyTorch's choice of float format: ``1.`` for whole numbers, ``1.2500`` or ``1.2500e+08``."""
    finite = np.abs(values[np.isfinite(values)])
    nonzero = finite[finite > 0]
    precision, sci_mode = options["precision"], options["sci_mode"]
    whole = finite.size == 0 or (np.all(finite == np.round(finite)) and finite.max() < 1e8)
    wide = finite.size and (
        finite.max() >= 1e8 or (nonzero.size and (nonzero.max() / nonzero.min() > 1000 or nonzero.min() < 1e-4))
    )
    if sci_mode or (sci_mode is None and not whole and wide):
        style = f"{{:.{precision}e}}"
    elif whole:
        style = "{:.0f}."
    else:
        style = f"{{:.{precision}f}}"

    def format_one(value: float) -> str:
        return style.format(value) if np.isfinite(value) else str(value)

    # Right-align like PyTorch; the widest entries are the extremes, so those decide.
    width = max((len(format_one(v)) for v in (values.min(), values.max())), default=0) if values.size else 0
    return lambda value: format_one(value).rjust(width)


def _numpy_threshold() -> int:
    return sys.maxsize if options["threshold"] == float("inf") else int(options["threshold"])


def _shown_part(array: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows: ``edgeitems`` at each end of every long dimension."""
    if array.size <= _numpy_threshold():
        return array
    edge = options["edgeitems"]
    for axis, size in enumerate(array.shape):
        if size > 2 * edge:
            array = np.concatenate([array.take(range(edge), axis), array.take(range(size - edge, size), axis)], axis)
    return array


def tensor_repr(tensor: "Tensor") -> str:
    array = tensor._array
    prefix = "tensor("
    shown = _shown_part(array)  # like PyTorch, the style and width follow the elements printed
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(shown)}
    elif array.dtype.kind == "b":
        width = 5 if not shown.all() else 4  # right-aligned like PyTorch: [ True, False]
        formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    else:
        formatter = None
    body = np.array2string(
        array, separator=", ", prefix=prefix, formatter=formatter, threshold=_numpy_threshold(),
        edgeitems=options["edgeitems"], max_line_width=options["linewidth"],
    )
    body = body.replace(", ...,", ",  ...,")  # PyTorch pads the marker inside a row: [0,  ..., 9]
    extras = []
    if array.size == 0 and array.ndim > 1:
        extras.append(f"size={tuple(array.shape)}")
    if tensor.dtype.name not in _DEFAULT_DTYPES:
        extras.append(f"dtype=gradstep.{tensor.dtype.name}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return prefix + ", ".join([body, *extras]) + ")"
