"""Comparisons, logic, sort, topk and unique.

Comparisons and logic give bool tensors, outside the graph (no gradient); so do indices.
Only the values of sort and topk stay in the graph: they are elements of the input, moved.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable

import numpy as np

from .._tensor import Tensor
from .operands import broadcast_together, normalize_dim
from .reduction import TakeAlongDim

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _compare(name: str, compare: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Any, Any], Tensor]:
    def op(input: Any, other: Any) -> Tensor:
        x, y = broadcast_together(name, input, other)
        return Tensor._wrap(compare(x._array, y._array))

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` of two tensors (or a tensor and a number), as a bool tensor."
    return op


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal)
lt = _compare("lt", np.less)
le = _compare("le", np.less_equal)
gt = _compare("gt", np.greater)
ge = _compare("ge", np.greater_equal)
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)


def logical_not(input: Tensor) -> Tensor:
    return Tensor._wrap(np.logical_not(input._array))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same elements."""
    return input.shape == other.shape and bool(np.array_equal(input._array, other._array))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input − other| ≤ atol + rtol·|other|, elementwise (a bool tensor); both of one dtype, as PyTorch asks."""
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose(): {input.dtype} and {other.dtype} tensors can't be compared: give both one dtype")
    return Tensor._wrap(np.asarray(np.isclose(input._array, other._array, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is ``isclose`` to its counterpart."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def _order(values: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The indices that sort ``values`` along ``axis``; equal values keep their order, as PyTorch's stable sort keeps it."""
    if not descending:
        return np.argsort(values, axis=axis, kind="stable")
    # Descending and stable: sort the reversed values ascending, read that order backwards, and
    # map the positions back (position p of the reversed values is position n − 1 − p).
    ascending_of_reversed = np.argsort(np.flip(values, axis), axis=axis, kind="stable")
    return values.shape[axis] - 1 - np.flip(ascending_of_reversed, axis)


def sort(input: Tensor, dim: int = -1, descending: bool = False) -> SortResult:
    """Sorted values and the indices they came from; each value's gradient goes back to its origin."""
    axis = normalize_dim(dim, input.ndim)
    indices = _order(input._array, axis, descending)
    values = TakeAlongDim.apply(input, indices=indices, dim=axis, keepdim=True, node_name="SortBackward0")
    return SortResult(values, Tensor._wrap(indices.astype(np.int64)))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``. Always stable (equal values keep their order),
    which ``stable=False`` allows too."""
    return Tensor._wrap(_order(input._array, normalize_dim(dim, input.ndim), descending).astype(np.int64))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim``, and where they were. Always in order,
    which ``sorted=False`` allows too.

    >>> import gradstep
    >>> gradstep.tensor([[0.1, 0.7, 0.2]]).topk(2).indices
    tensor([[1, 2]])
    """
    axis = normalize_dim(dim, input.ndim)
    size = input._array.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range: k = {k}, but dim {dim} has {size} elements")
    order = _order(input._array, axis, descending=largest)
    indices = np.take(order, np.arange(k), axis=axis)
    values = TakeAlongDim.apply(input, indices=indices, dim=axis, keepdim=True, node_name="TopkBackward0")
    return TopkResult(values, Tensor._wrap(indices.astype(np.int64)))


def unique(
    input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False  # noqa: A002
) -> Any:
    """The distinct elements, sorted; optionally where each input element went and how often each occurs."""
    values, inverse, counts = np.unique(input._array, return_inverse=True, return_counts=True)
    result = [Tensor._wrap(values)]
    if return_inverse:
        result.append(Tensor._wrap(inverse.reshape(input._array.shape).astype(np.int64)))
    if return_counts:
        result.append(Tensor._wrap(counts.astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)
