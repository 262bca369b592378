"""Indexing with ``[]``: ints, slices, ``None``, ``...``, integer arrays and boolean masks."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.in_place import change_in_place

_BASIC = (int, slice, type(None), type(Ellipsis))


class BasicIndex(Function):
    """y = x[index] for ints, slices, None and ``...``: a view, no element of x picked twice."""

    is_view = True

    def forward(self, x: np.ndarray, index: tuple[Any, ...]) -> np.ndarray:
        self.input_shape, self.index = x.shape, index
        return x[index]

    def backward(self, grad: Any) -> Any:
        return IndexScatter.run(grad, index=self.index, shape=self.input_shape, basic=True)

    def name(self) -> str:
        return "SelectBackward0" if any(isinstance(part, int) for part in self.index) else "SliceBackward0"


class AdvancedIndex(Function):
    """y = x[index] with integer arrays or boolean masks: a copy.

    Each element of x gets the gradient of every place it was copied to.
    """

    keeps_indices = True

    pytorch_name = "IndexBackward0"

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.input_shape, self.index = x.shape, index
        return x[index]

    def backward(self, grad: Any) -> Any:
        return IndexScatter.run(grad, index=self.index, shape=self.input_shape, basic=False)


class IndexScatter(Function):
    """Zeros of ``shape`` with ``values`` added at ``index``: the backward of ``x[index]``.

    Its own backward is ``x[index]`` again: the gradient of each placed value is read back
    from where it was placed.
    """

    def forward(self, values: np.ndarray, index: Any, shape: tuple[int, ...], basic: bool) -> np.ndarray:
        self.index = index
        placed = np.zeros(shape, dtype=values.dtype)
        if basic:
            placed[index] = values
        else:
            np.add.at(placed, index, values)  # x[[0, 0]] picks x[0] twice: gradients add up
        return placed

    def backward(self, grad: Any) -> Any:
        return grad[self.index]


class IndexPut(Function):
    """x with ``values`` written at an advanced ``index`` (``x[mask] = v``, ``x[[0, 2]] = v``).

    The overwritten elements of x no longer matter (gradient 0 there); each value's gradient
    is the gradient of the place it was written to.
    """

    keeps_indices = True

    def forward(self, x: np.ndarray, values: np.ndarray, index: Any) -> np.ndarray:
        self.index = index
        kept = np.ones(x.shape, dtype=x.dtype)
        kept[index] = 0
        self.save_for_backward(kept)
        result = x.copy()
        result[index] = values
        return result

    def backward(self, grad: Any) -> tuple[Any, Any]:
        (kept,) = self.saved_tensors
        grad_x = grad * kept if self.needs_input_grad[0] else None
        grad_values = grad[self.index] if self.needs_input_grad[1] else None
        return grad_x, grad_values


def _is_basic(parts: tuple[Any, ...]) -> bool:
    for part in parts:  # a loop, not all(...): indexing a batch out of a dataset calls this every step
        if not isinstance(part, _BASIC):
            return False
    return True


def _index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        array = part._array
    elif isinstance(part, (list, range, np.ndarray)):
        array = np.asarray(part)
    elif isinstance(part, bool):
        return part
    elif isinstance(part, (int, np.integer)):
        return int(part)
    elif isinstance(part, slice):
        if part.step == 0:
            raise ValueError("slice step cannot be zero")
        if part.step is not None and part.step < 0:  # NumPy would reverse; PyTorch refuses
            raise ValueError(f"step must be greater than zero, got the slice {part.start}:{part.stop}:{part.step}")
        return part
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


def to_numpy_index(index: Any) -> tuple[Any, bool]:
    """The same index with tensors replaced by their arrays, each part checked; and whether it is basic.

    A basic index (ints, slices, None, ...) becomes a tuple ending in ``...``, so that NumPy
    returns a view even where it would return a scalar (``x[0]`` of a vector).
    """
    if isinstance(index, list) and any(isinstance(part, (slice, list, type(None), type(Ellipsis))) for part in index):
        index = tuple(index)  # NumPy's old reading of x[[0, slice(None)]]
    parts = tuple(map(_index_part, index)) if isinstance(index, tuple) else (_index_part(index),)
    if not _is_basic(parts):
        return (parts if isinstance(index, tuple) else parts[0]), False
    return (parts if Ellipsis in parts else (*parts, Ellipsis)), True


def index(input: Tensor, index: Any) -> Tensor:
    numpy_index, basic = to_numpy_index(index)
    op = BasicIndex if basic else AdvancedIndex
    try:
        return op.apply(input, index=numpy_index)  # a bad index fails in forward, before anything is recorded
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {tuple(input.shape)})") from None


def _selects_everything(parts: tuple[Any, ...], shape: tuple[int, ...]) -> bool:
    """True for ``x[:]``, ``x[...]``, ``x[0:n, :]``: slices that start at 0, step 1 and reach the end.

    PyTorch skips such slices, so ``x[:] = v`` writes into ``x`` itself, not into a view of it
    (which decides, for one, which error a leaf that requires grad gives).
    """
    if not all(isinstance(part, slice) or part is Ellipsis for part in parts):
        return False
    split = parts.index(Ellipsis) if Ellipsis in parts else len(parts)
    before, after = parts[:split], parts[split + 1 :]
    if len(before) + len(after) > len(shape):
        return False
    sizes = shape[: len(before)] + shape[len(shape) - len(after) :]
    return all(
        part.start in (None, 0) and part.step in (None, 1) and (part.stop is None or part.stop >= size)
        for part, size in zip(before + after, sizes)
    )


def _without_leading_ones(value: Tensor) -> Tensor:
    """The value of an item assignment with its leading size-1 dims dropped, as PyTorch drops them
    (``x[0] = v`` accepts v of shape (1, 1, 3) for a row of 3)."""
    sizes = list(value.shape)
    while sizes and sizes[0] == 1:
        sizes.pop(0)
    return value if len(sizes) == value.ndim else value.reshape(*sizes)


def _copy_to(target: Tensor, value: Tensor) -> None:
    """``target[...] = value`` as PyTorch does it: ``copy_`` of a value of the same shape, ``fill_``
    with a single value, otherwise ``copy_`` of the value (leading 1s dropped) expanded to the shape."""
    if value.shape == target.shape:
        target.copy_(value)
    elif value.ndim == 0:
        target.fill_(value)
    else:
        target.copy_(_without_leading_ones(value).expand(*target.shape))


def index_put_(input: Tensor, index: Any, value: Any) -> Tensor:
    """``input[index] = value``, in place: through a view for a basic index, else ``IndexPut``."""
    numpy_index, basic = to_numpy_index(index)
    if not isinstance(value, Tensor):
        value = Tensor._wrap(np.asarray(value, dtype=input._array.dtype))
    if basic:
        target = input if _selects_everything(numpy_index, input._array.shape) else input[index]
        _copy_to(target, value)  # writes through the view
        return input

    def values_to_write() -> Tensor:
        # Checked when the write happens, after the in-place rules (a leaf's error comes first, as in PyTorch).
        try:
            target_shape = np.empty(input._array.shape, dtype=np.bool_)[numpy_index].shape
            return value if value.shape == target_shape else _without_leading_ones(value).expand(*target_shape)
        except (IndexError, RuntimeError) as error:
            raise type(error)(f"{error} (assigning into a tensor of shape {tuple(input.shape)})") from None

    # PyTorch writes a single value through a boolean mask with masked_fill_, which reads the value first.
    fills = isinstance(numpy_index, np.ndarray) and numpy_index.dtype == np.bool_ and value.numel() == 1
    return change_in_place(
        input, "index_put_", lambda old: IndexPut.apply(old, values_to_write().to(old.dtype), index=numpy_index),
        (value,), write=lambda array: array.__setitem__(numpy_index, values_to_write()._array),
        refuse_overlap=None if fills else "any",
    )
