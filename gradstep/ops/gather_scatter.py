"""Picking and placing elements by index tensors: gather, scatter, index_select, index_add, masked_fill.

``gather`` reads, ``scatter`` writes, along one dimension ``dim``. For a 2-D tensor and dim=1:

    gather:       out[i][j] = input[i][index[i][j]]
    scatter:      out[i][index[i][j]] = src[i][j]        (the other elements keep input's values)
    scatter_add:  out[i][index[i][j]] += src[i][j]

Reading and adding are each other's backward: the gradient of a gather is a scatter-add of
the incoming gradient into zeros, and the gradient of a scatter-add's ``src`` is a gather.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._signatures import accepts_numpy_names
from .._tensor import Tensor
from ..autograd.function import Function
from .elementwise import Where
from .indexing import AdvancedIndex
from .operands import as_dtype, normalize_dim


class Gather(AdvancedIndex):
    """out = input[coordinates], with the coordinates built from ``index`` (see ``_coordinates``)."""


class IndexSelect(AdvancedIndex):
    """out = input[..., index, ...]: whole slices along ``dim``, picked by a 1-D ``index``."""


class Scatter(Function):
    """out = x, except out[coordinates] = src.

    The overwritten elements of x no longer reach the output, so their gradient is 0; each
    element of src gets the gradient of the place it was written to.
    """

    def forward(self, x: np.ndarray, src: np.ndarray, coordinates: tuple[np.ndarray, ...]) -> np.ndarray:
        out = x.copy()
        out[coordinates] = src
        kept = np.ones(x.shape, dtype=bool)
        kept[coordinates] = False
        self.save_for_backward(kept, *coordinates)  # constants: which places were overwritten
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kept, *coordinates = self.saved_tensors
        return grad * kept, grad[tuple(coordinates)]


class ScatterAdd(Function):
    """out = x, with src added at coordinates (an index that repeats adds twice).

    ∂out/∂x = 1 everywhere; each element of src gets the gradient of the place it was added to.
    """

    def forward(self, x: np.ndarray, src: np.ndarray, coordinates: tuple[np.ndarray, ...]) -> np.ndarray:
        out = x.copy()
        np.add.at(out, coordinates, src)
        self.save_for_backward(*coordinates)
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        coordinates = self.saved_tensors
        return grad, grad[tuple(coordinates)]


class MaskedFill(Where):
    """out = value where mask is True, else input (``Where`` with PyTorch's name for it)."""


def _index_array(index: Any, function: str) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{function}(): index must be a Tensor of int64, got {type(index).__name__}")
    if index._array.dtype.kind not in "iu":
        raise RuntimeError(f"{function}(): expected an int64 (or int32) index tensor, got {index.dtype}")
    return index._array


def _coordinates(input_shape: tuple[int, ...], index: np.ndarray, dim: int, function: str) -> tuple[np.ndarray, ...]:
    """Full coordinates into ``input_shape``: index's own position in every dim but ``dim``, where ``index`` says.

    For dim=1, element (i, j) of index points at input[i, index[i, j]].
    """
    if index.ndim == 0:
        index = index.reshape((1,) * max(len(input_shape), 1))
    if index.ndim != len(input_shape):
        raise RuntimeError(
            f"{function}(): index has {index.ndim} dimensions but the tensor has {len(input_shape)}; "
            "they must have the same number of dimensions"
        )
    for d, (index_size, size) in enumerate(zip(index.shape, input_shape)):
        if d != dim and index_size > size:
            raise RuntimeError(
                f"{function}(): index of shape {tuple(index.shape)} is larger than the tensor of shape "
                f"{tuple(input_shape)} in dimension {d}"
            )
    size = input_shape[dim]
    if index.size and (index.min() < -size or index.max() >= size):
        bad = int(index.max()) if index.max() >= size else int(index.min())
        raise RuntimeError(f"{function}(): index {bad} is out of bounds for dimension {dim} with size {size}")
    coordinates = list(np.indices(index.shape, sparse=True))
    coordinates[dim] = index % size  # negative indices count from the end, as in NumPy
    return tuple(np.broadcast_arrays(*coordinates))


def _source(src: Any, like: Tensor, index_shape: tuple[int, ...], function: str) -> Tensor:
    """``src`` as a tensor of ``like``'s dtype, cut to the index's shape (the part that is used)."""
    if not isinstance(src, Tensor):
        return Tensor._wrap(np.full(index_shape, src, dtype=like._array.dtype))
    if src.ndim == 0:
        src = src.reshape((1,) * len(index_shape))
    if src.ndim != len(index_shape) or any(s < i for s, i in zip(src.shape, index_shape)):
        raise RuntimeError(
            f"{function}(): src of shape {tuple(src.shape)} is smaller than index of shape {index_shape}"
        )
    if tuple(src.shape) != index_shape:
        src = src[tuple(slice(0, size) for size in index_shape)]
    return as_dtype(src, like.dtype)


@accepts_numpy_names
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Values of ``input`` along ``dim`` at the positions ``index`` holds; the result has index's shape.

    >>> import gradstep
    >>> scores = gradstep.tensor([[0.1, 0.9], [0.8, 0.2]])
    >>> gather(scores, 1, gradstep.tensor([[1], [0]]))
    tensor([[0.9000],
            [0.8000]])
    """
    axis = normalize_dim(dim, input.ndim)
    coordinates = _coordinates(tuple(input.shape), _index_array(index, "gather"), axis, "gather")
    return Gather.apply(input, index=coordinates)


@accepts_numpy_names
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written at ``index`` along ``dim``.

    >>> import gradstep
    >>> scatter(gradstep.zeros(2, 3), 1, gradstep.tensor([[2], [0]]), value=1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    if reduce is not None:
        if reduce != "add":
            raise NotImplementedError(f"scatter(reduce={reduce!r}): gradstep supports reduce='add' (scatter_add)")
        return scatter_add(input, dim, index, src)
    return _scatter(Scatter, "scatter", input, dim, index, value if src is None else src)


@accepts_numpy_names
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with each element of ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    return _scatter(ScatterAdd, "scatter_add", input, dim, index, src)


def _scatter(op: type, function: str, input: Tensor, dim: int, index: Tensor, src: Any) -> Tensor:
    if src is None:
        raise TypeError(f"{function}(): give the values to write, as src= (a tensor) or value= (a number)")
    axis = normalize_dim(dim, input.ndim)
    index_array = _index_array(index, function)
    coordinates = _coordinates(tuple(input.shape), index_array, axis, function)
    source = _source(src, input, coordinates[0].shape, function)
    return op.apply(input, source, coordinates=coordinates)


@accepts_numpy_names
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions of the 1-D ``index``, in that order."""
    axis = normalize_dim(dim, input.ndim)
    positions = _index_array(index, "index_select")
    if positions.ndim > 1:
        raise IndexError(f"index_select(): index must be 1-D (or 0-d), got shape {tuple(positions.shape)}")
    size = input.shape[axis] if input.ndim else 1
    if positions.size and (positions.min() < 0 or positions.max() >= size):
        bad = int(positions.max()) if positions.max() >= size else int(positions.min())
        raise IndexError(f"index_select(): index {bad} is out of range for dimension {axis} with size {size}")
    return IndexSelect.apply(input, index=(slice(None),) * axis + (positions.reshape(-1),))


@accepts_numpy_names
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """A copy of ``input`` with slice i of ``source`` along ``dim`` added to slice ``index[i]``."""
    axis = normalize_dim(dim, input.ndim)
    positions = _index_array(index, "index_add").reshape(-1)
    if source.ndim != input.ndim or source.shape[axis] != positions.size:
        raise RuntimeError(
            f"index_add(): source of shape {tuple(source.shape)} needs {positions.size} slices along dim {axis} "
            f"of a tensor of shape {tuple(input.shape)}"
        )
    expanded = positions.reshape([-1 if d == axis else 1 for d in range(source.ndim)])
    index_full = np.broadcast_to(expanded, tuple(source.shape))
    return _scatter(ScatterAdd, "index_add", input, axis, Tensor._wrap(index_full), source if alpha == 1 else source * alpha)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` wherever the bool ``mask`` is True (mask broadcasts to input's shape)."""
    if not isinstance(mask, Tensor) or mask._array.dtype != np.bool_:
        raise RuntimeError("masked_fill(): mask must be a bool tensor, e.g. x > 0")
    fill = as_dtype(value.item() if isinstance(value, Tensor) else value, input.dtype)
    try:
        condition = np.broadcast_to(mask._array, input._array.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_fill(): mask of shape {tuple(mask.shape)} doesn't broadcast to the tensor's shape {tuple(input.shape)}"
        ) from None
    return MaskedFill.apply(fill, input, condition=condition)
