"""ReLU's smoother and leakier relatives: leaky_relu, elu, gelu, silu; and erf, which gelu is built on.

Each lets a little gradient through for negative inputs, where ReLU lets none: a unit that
only ever sees negative inputs can still learn.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .activation import stable_sigmoid
from .operands import floating

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_2_PI = math.sqrt(2.0 * math.pi)

_math_erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; Python's is exact to double precision


def _erf(x: np.ndarray) -> np.ndarray:
    return np.asarray(_math_erf(x), dtype=x.dtype)  # a 0-d input gives a Python float


class Erf(Function):
    """y = erf(x) = 2/√π ∫₀ˣ e^(−t²) dt; ∂y/∂x = 2/√π · e^(−x²)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return _erf(x)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * backward_math.exp(-(x * x))


class LeakyRelu(Function):
    """y = x for x > 0, else slope·x; the slope is the gradient there."""

    def forward(self, x: np.ndarray, negative_slope: float) -> np.ndarray:
        slopes = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        self.save_for_backward(slopes)  # a constant of the op: 1 or the slope, per element
        return x * slopes

    def backward(self, grad: Any) -> Any:
        (slopes,) = self.saved_tensors
        return grad * slopes


class Elu(Function):
    """y = x for x > 0, else α(eˣ − 1); ∂y/∂x = 1, else αeˣ = y + α."""

    def forward(self, x: np.ndarray, alpha: float) -> np.ndarray:
        positive = (x > 0).astype(x.dtype)
        y = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
        self.save_for_backward(positive, y)
        self.alpha = alpha
        return y

    def backward(self, grad: Any) -> Any:
        positive, y = self.saved_tensors
        return grad * (positive + (1 - positive) * (y + self.alpha))


class Gelu(Function):
    """y = x·Φ(x), Φ the standard normal's cumulative distribution; ∂y/∂x = Φ(x) + x·φ(x).

    ``approximate='tanh'`` uses Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715x³))), as PyTorch does.
    """

    def forward(self, x: np.ndarray, approximate: str) -> np.ndarray:
        self.save_for_backward(x)
        self.approximate = approximate
        return x * self._cdf(x)

    def _cdf(self, x: Any) -> Any:
        if self.approximate == "tanh":
            return 0.5 * (1 + backward_math.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
        return 0.5 * (1 + Erf.run(x / _SQRT_2))

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
            t = backward_math.tanh(inner)
            d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
        density = backward_math.exp(-0.5 * x * x) / _SQRT_2_PI  # φ(x)
        return grad * (self._cdf(x) + x * density)


class Silu(Function):
    """y = x·σ(x) (also called swish); ∂y/∂x = σ(x)·(1 + x·(1 − σ(x)))."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return x * stable_sigmoid(x)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        s = backward_math.sigmoid(x)
        return grad * s * (1 + x * (1 - s))


def erf(input: Tensor) -> Tensor:
    return Erf.apply(floating(input))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return LeakyRelu.apply(floating(input), negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return Elu.apply(floating(input), alpha=alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(floating(input), approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return Silu.apply(floating(input))
