"""Ops that copy a tensor or change its dtype, staying in the graph."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function


class Cast(Function):
    """y = x as another dtype; the gradient goes back in x's own dtype."""

    def forward(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.astype(self.input_dtype)


class Clone(Function):
    """y = a copy of x; ∂y/∂x = 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


def cast(input: Tensor, dtype: _dtype.dtype) -> Tensor:
    if input._requires_grad and not dtype.is_floating_point:
        # An integer result can't carry a gradient: leave the graph, as PyTorch does.
        return Tensor._wrap(input._array.astype(dtype.numpy))
    return Cast.apply(input, dtype=dtype.numpy)


def clone(input: Tensor) -> Tensor:
    return Clone.apply(input)
