"""Indexing with ``[]``: ints, slices, ``None``, ``...``, integer arrays and boolean masks."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.function import Function

_BASIC = (int, slice, type(None), type(Ellipsis))


class BasicIndex(Function):
    """y = x[index] for ints, slices, None and ``...``: no element of x is picked twice."""

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.input_shape, self.index = x.shape, index
        return x[index]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad_input = np.zeros(self.input_shape, dtype=grad.dtype)
        grad_input[self.index] = grad
        return grad_input


class AdvancedIndex(Function):
    """y = x[index] with integer arrays or boolean masks.

    Each element of x gets the gradient of every place it was copied to.
    """

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.input_shape = x.shape
        self.save_for_backward(index)
        return x[index]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (index,) = self.saved_tensors
        grad_input = np.zeros(self.input_shape, dtype=grad.dtype)
        np.add.at(grad_input, index, grad)  # x[[0, 0]] picks x[0] twice: gradients add up
        return grad_input


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(part, _BASIC) for part in parts)


def _index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        array = part._array
    elif isinstance(part, (list, np.ndarray)):
        array = np.asarray(part)
    elif isinstance(part, bool):
        return part
    elif isinstance(part, (int, np.integer)):
        return int(part)
    elif isinstance(part, _BASIC):
        return part
    else:
        hint = " (use an int, e.g. int(i))" if isinstance(part, (float, np.floating)) else ""
        raise IndexError(
            f"only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are "
            f"valid indices, got {type(part).__name__} {part!r}{hint}"
        )
    if array.size == 0 and array.dtype.kind == "f":  # an empty list
        return array.astype(np.int64)
    if array.dtype.kind not in "iub":
        raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, got {array.dtype}")
    return array


def to_numpy_index(index: Any) -> Any:
    """The same index with tensors replaced by their arrays, each part checked."""
    if isinstance(index, tuple):
        return tuple(_index_part(part) for part in index)
    return _index_part(index)


def index(input: Tensor, index: Any) -> Tensor:
    numpy_index = to_numpy_index(index)
    op = BasicIndex if _is_basic(numpy_index) else AdvancedIndex
    try:
        return op.apply(input, index=numpy_index)  # a bad index fails in forward, before anything is recorded
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {tuple(input.shape)})") from None


def index_put_(input: Tensor, index: Any, value: Any) -> Tensor:
    """``input[index] = value``, in place; like the other in-place ops, outside the graph."""
    if is_grad_enabled() and (input.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        raise RuntimeError(
            "assigning into a tensor that requires grad (or from one) is not tracked by gradstep: "
            "do it inside `with torch.no_grad():` or on .detach()ed tensors"
        )
    source = value._array if isinstance(value, Tensor) else value
    try:
        input._array[to_numpy_index(index)] = source
    except (IndexError, ValueError) as error:
        raise type(error)(f"{error} (assigning into a tensor of shape {tuple(input.shape)})") from None
    return input
