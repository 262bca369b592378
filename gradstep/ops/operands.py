"""Turning the arguments of an op into tensors of one dtype, by PyTorch's promotion rules."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _is_operand


def promoted(op_name: str, *values: Any) -> list[Tensor]:
    """Tensors of one common dtype from tensors and Python numbers.

    ``float32 tensor * 2`` stays float32; ``int64 tensor * 2.5`` becomes float32;
    ``float32 tensor + float64 tensor`` becomes float64.
    """
    numbers, tensor_dtypes = [], set()
    for value in values:
        if isinstance(value, Tensor):
            tensor_dtypes.add(value._array.dtype)
        else:
            numbers.append(value)
    if not numbers and len(tensor_dtypes) == 1:
        return list(values)  # the common case: nothing to convert
    for value in numbers:
        if not _is_operand(value):
            raise TypeError(
                f"{op_name}(): expected a Tensor or a number, got {type(value).__name__}"
                + (" (convert it with gradstep.from_numpy)" if isinstance(value, np.ndarray) else "")
            )
    if len(tensor_dtypes) == 1 and (shared := next(iter(tensor_dtypes))).kind == "f":
        # Float tensors of one dtype with numbers (``2 * w``): the result has the tensors' dtype,
        # whatever the numbers, since a number only changes it when it is of a higher category
        # (see ``_dtype.result_type``) and floating point is the highest. Deciding it here skips
        # the general rules, which cost more than the op itself on a small tensor.
        return [value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, dtype=shared))
                for value in values]
    target = _dtype.result_type(*values)
    return [as_dtype(value, target) for value in values]


def broadcast_together(op_name: str, *values: Any) -> list[Tensor]:
    """The ``promoted`` operands of an elementwise op, checked to broadcast to one shape."""
    tensors = promoted(op_name, *values)
    shapes = [t._array.shape for t in tensors]
    if len(set(shapes) - {()}) <= 1:
        return tensors  # equal shapes, or numbers: nothing to check
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        shapes = " and ".join(str(tuple(t.shape)) for t in tensors)
        raise RuntimeError(
            f"{op_name}(): shapes {shapes} don't broadcast (aligned from the last dim, sizes must be equal or 1)"
        ) from None
    return tensors


def as_dtype(value: Any, target: _dtype.dtype) -> Tensor:
    """``value`` as a tensor of dtype ``target``; a cast of a tensor stays in the graph."""
    if isinstance(value, Tensor):
        if value._array.dtype == target.numpy:
            return value
        from .conversion import cast

        return cast(value, target)
    return Tensor._wrap(np.asarray(value, dtype=target.numpy))


def floating(tensor: Tensor) -> Tensor:
    """Integer and bool tensors become float32 for ops like exp and sqrt, as in PyTorch."""
    if tensor._array.dtype.kind == "f":
        return tensor
    return as_dtype(tensor, _dtype.default_float)


def normalize_dim(dim: int, ndim: int) -> int:
    """A dimension index counted from the front; negative ones count from the back."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return int(dim) % rank


def normalize_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """``None`` means every dimension; an int or a sequence of ints, each normalized."""
    if dim is None:
        return tuple(range(ndim))
    dims = [normalize_dim(d, ndim) for d in dim] if isinstance(dim, (list, tuple)) else [normalize_dim(dim, ndim)]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    # A 0-d tensor accepts dim 0 (or -1), as PyTorch does, but has no axis to reduce.
    return tuple(sorted(dims)) if ndim else ()
