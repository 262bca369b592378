"""``repr`` of a tensor in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._tensor import Tensor

_DEFAULT_DTYPES = ("float32", "int64", "bool")


def _float_formatter(values: np.ndarray):
    """PyTorch's choice of float format: ``1.`` for whole numbers, ``1.2500`` or ``1.2500e+08``."""
    finite = np.abs(values[np.isfinite(values)])
    nonzero = finite[finite > 0]
    if finite.size == 0 or (np.all(finite == np.round(finite)) and finite.max() < 1e8):
        style = "{:.0f}."
    elif finite.max() >= 1e8 or (nonzero.size and (nonzero.max() / nonzero.min() > 1000 or nonzero.min() < 1e-4)):
        style = "{:.4e}"
    else:
        style = "{:.4f}"

    def format_one(value: float) -> str:
        return style.format(value) if np.isfinite(value) else str(value)

    # Right-align like PyTorch; the widest entries are the extremes, so those decide.
    width = max((len(format_one(v)) for v in (values.min(), values.max())), default=0) if values.size else 0
    return lambda value: format_one(value).rjust(width)


def tensor_repr(tensor: "Tensor") -> str:
    array = tensor._array
    prefix = "tensor("
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(array)}
    elif array.dtype.kind == "b":
        width = 5 if not array.all() else 4  # right-aligned like PyTorch: [ True, False]
        formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    else:
        formatter = None
    body = np.array2string(
        array, separator=", ", prefix=prefix, formatter=formatter, threshold=1000, edgeitems=3, max_line_width=80
    )
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
