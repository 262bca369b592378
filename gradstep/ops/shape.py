"""Ops that move elements around without changing them: reshape, permute, expand, cat, stack.

Their backward moves the gradient back the same way: a reshape's gradient is reshaped
back, a transpose's is transposed back, a concatenation's is cut into pieces.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .._signatures import accepts_numpy_names, accepts_out
from .._tensor import Size, Tensor
from ..autograd.function import Function, unbroadcast
from .operands import normalize_dim, promoted


class Reshape(Function):
    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        return x.reshape(shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.input_shape)


class Permute(Function):
    def forward(self, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        self.dims = dims
        return x.transpose(dims)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.transpose(np.argsort(self.dims))  # the inverse permutation


class Expand(Function):
    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return unbroadcast(grad, self.input_shape)  # every copy's gradient adds up


class Cat(Function):
    def forward(self, *xs: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        self.boundaries = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, self.boundaries, axis=self.dim))


class Stack(Function):
    def forward(self, *xs: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        return np.stack(xs, axis=dim)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(grad, self.dim, 0))


def _shape_argument(shape: Any) -> tuple[int, ...]:
    """Accept ``reshape(2, 3)``, ``reshape((2, 3))`` and ``reshape([2, 3])`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    for size in shape:
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
            raise TypeError(f"shape sizes must be ints, got {type(size).__name__} in {tuple(shape)}")
    return tuple(int(s) for s in shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one size may be -1 (inferred)."""
    new_shape = _shape_argument(shape)
    if new_shape.count(-1) > 1:
        raise RuntimeError(f"reshape(): only one dimension can be inferred, got shape {list(new_shape)}")
    known = math.prod(s for s in new_shape if s != -1)
    count = input.numel()
    fits = count == known if -1 not in new_shape else known > 0 and count % known == 0
    if not fits:
        raise RuntimeError(f"shape '{list(new_shape)}' is invalid for input of size {count} (shape {tuple(input.shape)})")
    return Reshape.apply(input, shape=new_shape)


view = reshape


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    shape = input.shape
    return reshape(input, (*shape[:start], -1, *shape[end + 1 :]))


def permute(input: Tensor, *dims: Any) -> Tensor:
    order = tuple(normalize_dim(d, input.ndim) for d in _shape_argument(dims))
    if sorted(order) != list(range(input.ndim)):
        raise RuntimeError(f"permute(): dims {order} are not a permutation of the {input.ndim} dims of {tuple(input.shape)}")
    return Permute.apply(input, dims=order)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    order = list(range(input.ndim))
    a, b = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    order[a], order[b] = order[b], order[a]
    return Permute.apply(input, dims=tuple(order))


@accepts_numpy_names
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    axis = normalize_dim(dim, input.ndim + 1)
    shape = input.shape
    return reshape(input, (*shape[:axis], 1, *shape[axis:]))


@accepts_numpy_names
def squeeze(input: Tensor, dim: int | None = None) -> Tensor:
    shape = input.shape
    if dim is None:
        return reshape(input, tuple(s for s in shape if s != 1))
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0 or shape[axis] != 1:
        return input
    return reshape(input, (*shape[:axis], *shape[axis + 1 :]))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A view repeating size-1 dims to ``sizes`` (-1 keeps a size)."""
    wanted = _shape_argument(sizes)
    padded = (1,) * (len(wanted) - input.ndim) + tuple(input.shape)
    shape = tuple(old if new == -1 else new for old, new in zip(padded, wanted))
    try:
        np.broadcast_shapes(padded, shape)
    except ValueError:
        raise RuntimeError(f"expand(): can't expand shape {tuple(input.shape)} to {wanted}") from None
    return Expand.apply(input, shape=shape)


def _check_same_shapes(name: str, tensors: Sequence[Tensor], skip_dim: int | None) -> None:
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        other = t.shape
        same = len(other) == len(first) and all(
            a == b for d, (a, b) in enumerate(zip(first, other)) if d != skip_dim
        )
        if not same:
            raise RuntimeError(
                f"{name}(): tensor 0 has shape {tuple(first)} but tensor {i} has shape {tuple(other)}"
                + (f"; sizes must match except in dimension {skip_dim}" if skip_dim is not None else "")
            )


@accepts_out
@accepts_numpy_names
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors end to end along an existing dimension."""
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of tensors")
    parts = promoted("cat", *tensors)
    axis = normalize_dim(dim, parts[0].ndim)
    _check_same_shapes("cat", parts, skip_dim=axis)
    return Cat.apply(*parts, dim=axis)


concat = cat


@accepts_out
@accepts_numpy_names
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension."""
    if not tensors:
        raise ValueError("stack(): expected a non-empty list of tensors")
    parts = promoted("stack", *tensors)
    _check_same_shapes("stack", parts, skip_dim=None)
    return Stack.apply(*parts, dim=normalize_dim(dim, parts[0].ndim + 1))
