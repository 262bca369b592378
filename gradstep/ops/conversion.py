"""Ops that copy a tensor or change its dtype, staying in the graph."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math


class Cast(Function):
    """y = x as another dtype; the gradient goes back in x's own dtype."""

    pytorch_name = "ToCopyBackward0"

    def forward(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad: Any) -> Any:
        return backward_math.astype(grad, self.input_dtype)


class Clone(Function):
    """y = a copy of x; ∂y/∂x = 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, grad: Any) -> Any:
        return grad


class Overwrite(Function):
    """y = ``src``, broadcast to x's shape and cast to x's dtype: what ``x.copy_(src)`` writes.

    x's old values don't reach the result, so x's gradient is zero (PyTorch sends those zeros
    on, so a leaf behind x gets ``.grad`` = 0 rather than none); ``src`` gets the gradient of
    every place it was copied to (the engine sums a broadcast back).
    """

    pytorch_name = "CopyBackwards"

    def forward(self, x: np.ndarray, src: np.ndarray) -> np.ndarray:
        try:
            shape = np.broadcast_shapes(x.shape, src.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {list(src.shape)} can't be broadcast to the destination's "
                f"shape {list(x.shape)}"
            ) from None
        if shape != x.shape:  # NumPy would drop the source's extra leading 1s; PyTorch refuses
            raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape {list(shape)}")
        result = np.empty_like(x)
        np.copyto(result, src, casting="unsafe")
        return result

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return backward_math.zeros_like(grad) if self.needs_input_grad[0] else None, grad


def cast(input: Tensor, dtype: _dtype.dtype) -> Tensor:
    if input._requires_grad and not dtype.is_floating_point:
        # An integer result can't carry a gradient: leave the graph, as PyTorch does.
        return Tensor._wrap(input._array.astype(dtype.numpy))
    return Cast.apply(input, dtype=dtype.numpy)


def clone(input: Tensor) -> Tensor:
    return Clone.apply(input)


def overwrite(input: Tensor, src: Tensor) -> Tensor:
    """The values ``input.copy_(src)`` writes, computed out of place (see ``Overwrite``)."""
    return Overwrite.apply(input, src)
