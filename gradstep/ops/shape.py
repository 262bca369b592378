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
from ..autograd.views import mark_multi_output
from . import backward_math
from .operands import normalize_dim, normalize_dims, promoted


class Reshape(Function):
    """The same elements in a new shape: a view of the input whenever NumPy can make one."""

    is_view = True
    pytorch_name = "ViewBackward0"

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        return x.reshape(shape)

    def backward(self, grad: Any) -> Any:
        return grad.reshape(self.input_shape)


class Permute(Function):
    """The dims in another order (transpose, ``.T``, ``.mT``): a view."""

    is_view = True

    def forward(self, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        self.dims = dims
        return x.transpose(dims)

    def backward(self, grad: Any) -> Any:
        return backward_math.permute(grad, tuple(np.argsort(self.dims)))  # the inverse permutation


class Expand(Function):
    """Size-1 dims repeated to a larger size without copying: a view (read-only, like PyTorch's)."""

    is_view = True

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.input_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, grad: Any) -> Any:
        return unbroadcast(grad, self.input_shape)  # every copy's gradient adds up


class Flip(Function):
    """The elements in reverse order along ``dims`` (a copy, as in PyTorch); the gradient is flipped back."""

    def forward(self, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        self.dims = dims
        return np.flip(x, dims).copy()

    def backward(self, grad: Any) -> Any:
        return Flip.run(grad, dims=self.dims)


class Triangle(Function):
    """The lower (``tril``) or upper (``triu``) triangle of the last two dims, zeros elsewhere.

    Diagonal ``k`` and those below (tril) or above (triu) it are kept; the gradient keeps the same triangle.
    """

    def forward(self, x: np.ndarray, upper: bool, diagonal: int) -> np.ndarray:
        self.upper, self.diagonal = upper, diagonal
        return (np.triu if upper else np.tril)(x, diagonal)

    def backward(self, grad: Any) -> Any:
        return Triangle.run(grad, upper=self.upper, diagonal=self.diagonal)

    def name(self) -> str:
        return "TriuBackward0" if self.upper else "TrilBackward0"


class Cat(Function):
    def forward(self, *xs: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        ends = np.cumsum([x.shape[dim] for x in xs])
        self.spans = list(zip([0, *ends[:-1]], ends))
        return np.concatenate(xs, axis=dim)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        before = (slice(None),) * self.dim
        return tuple(grad[(*before, slice(start, end))] for start, end in self.spans)  # each input's own stretch


class Stack(Function):
    def forward(self, *xs: np.ndarray, dim: int) -> np.ndarray:
        self.dim, self.count = dim, len(xs)
        return np.stack(xs, axis=dim)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        before = (slice(None),) * self.dim
        return tuple(grad[(*before, i)] for i in range(self.count))


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


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like ``reshape``, but only as a view of the same memory: an error where that needs a copy."""
    new_shape = _shape_argument(shape)
    probe = input._array.view()
    try:
        probe.shape = tuple(new_shape)  # NumPy refuses when the new shape can't share the memory
    except AttributeError:
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (shape {tuple(input.shape)} "
            f"to {list(new_shape)}: at least one dimension spans across two contiguous subspaces). "
            "Use .reshape(...) instead."
        ) from None
    except ValueError:
        pass  # a size mismatch: reshape says so
    return reshape(input, *shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    ndim = input._array.ndim
    if ndim == 0:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, ndim), normalize_dim(end_dim, ndim)
    if start == end:
        return input  # nothing to flatten: PyTorch returns the tensor itself
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    # Joining neighbouring dims always fits, so reshape's checks of the new shape are skipped.
    shape = input._array.shape
    return Reshape.apply(input, shape=(*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of the elements along ``dims`` (an int, or a list or tuple of them).

    >>> import gradstep
    >>> gradstep.tensor([[1, 2], [3, 4]]).flip(1)
    tensor([[2, 1],
            [4, 3]])
    """
    return Flip.apply(input, dims=normalize_dims(dims, input.ndim))


def _triangle(name: str, input: Tensor, diagonal: int, upper: bool) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got {input.ndim}")
    return Triangle.apply(input, upper=upper, diagonal=int(diagonal))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (diagonal ``diagonal`` and below), zeros above it."""
    return _triangle("tril", input, diagonal, upper=False)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (diagonal ``diagonal`` and above), zeros below it."""
    return _triangle("triu", input, diagonal, upper=True)


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
        return reshape(input, shape)  # nothing to remove: still a new view, as in PyTorch
    return reshape(input, (*shape[:axis], *shape[axis + 1 :]))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A view repeating size-1 dims to ``sizes`` (-1 keeps a size)."""
    wanted = _shape_argument(sizes)
    if len(wanted) < input.ndim:
        raise RuntimeError(
            f"expand(): the number of sizes provided ({len(wanted)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({input.ndim})"
        )
    new_dims = len(wanted) - input.ndim
    if -1 in wanted[:new_dims]:
        raise RuntimeError(
            f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension "
            f"{wanted.index(-1)}"
        )
    padded = (1,) * new_dims + tuple(input.shape)
    shape = tuple(old if new == -1 else new for old, new in zip(padded, wanted))
    for dim, (old, new) in enumerate(zip(padded, shape)):
        if old != new and old != 1:  # only size-1 dims can grow (broadcasting one way, unlike np.broadcast_shapes)
            raise RuntimeError(
                f"The expanded size of the tensor ({new}) must match the existing size ({old}) at non-singleton "
                f"dimension {dim}.  Target sizes: {list(wanted)}.  Tensor sizes: {list(input.shape)}"
            )
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


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose`` under NumPy's name, which PyTorch accepts too."""
    return transpose(input, axis0, axis1)


swapdims = swapaxes


def movedim(input: Tensor, source: int, destination: int) -> Tensor:
    """A view with dim ``source`` moved to position ``destination``."""
    order = list(range(input.ndim))
    order.insert(normalize_dim(destination, input.ndim), order.pop(normalize_dim(source, input.ndim)))
    return Permute.apply(input, dims=tuple(order))


def _along(input: Tensor, dim: int, part: Any) -> Tensor:
    """``input[:, ..., part]`` with ``part`` at dimension ``dim``: a view."""
    from .indexing import index

    return index(input, (slice(None),) * normalize_dim(dim, input.ndim) + (part,))


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dim removed: a view."""
    return _along(input, dim, index)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements along ``dim`` from ``start``: a view."""
    return _along(input, dim, slice(start, start + length))


def split(input: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along ``dim``: each of size ``split_size`` (the last may be
    smaller), or of the sizes listed."""
    size = input.shape[normalize_dim(dim, input.ndim)]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise RuntimeError(f"split expects split_size be positive, but got split_size={step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                f"dimension {dim}), but got split_sizes={sizes}"
            )
    starts = np.cumsum([0, *sizes[:-1]])
    return mark_multi_output(tuple(narrow(input, dim, int(start), length) for start, length in zip(starts, sizes)))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` views of (nearly) equal size along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.shape[normalize_dim(dim, input.ndim)]
    return split(input, max(-(-size // chunks), 1), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Every slice along ``dim``, that dim removed: views."""
    return mark_multi_output(tuple(select(input, dim, i) for i in range(input.shape[normalize_dim(dim, input.ndim)])))
