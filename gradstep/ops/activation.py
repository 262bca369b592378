"""Activation functions: relu, sigmoid, tanh, softmax and log_softmax."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._signatures import accepts_numpy_names
from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .operands import floating, normalize_dim


class ReLU(Function):
    pytorch_name = "ReluBackward0"

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.maximum(x, 0)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return grad * (y > 0)  # ∂relu(x)/∂x = 1 where x > 0, else 0


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1+e⁻ˣ) = eˣ/(1+eˣ); written with e^-|x|, it never overflows."""
    e = np.exp(-np.abs(x))
    sigma_of_abs = 1 / (1 + e)  # σ(|x|); for x < 0, σ(x) = e^-|x| · σ(|x|)
    return np.where(x >= 0, sigma_of_abs, e * sigma_of_abs)


class Sigmoid(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = stable_sigmoid(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return grad * y * (1 - y)  # ∂σ/∂x = σ(1 − σ)


class Tanh(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return grad * (1 - y * y)  # ∂tanh/∂x = 1 − tanh²


class Softmax(Function):
    """yᵢ = e^xᵢ / Σⱼ e^xⱼ along ``dim``."""

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - x.max(axis=dim, keepdims=True))  # shifting by the max changes nothing but overflow
        y = e / e.sum(axis=dim, keepdims=True)
        self.save_for_backward(y)
        self.dim = dim
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        # ∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ − yⱼ), so ∂L/∂xⱼ = yⱼ(gⱼ − Σᵢ gᵢyᵢ)
        return y * (grad - (grad * y).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    """yᵢ = xᵢ − log Σⱼ e^xⱼ along ``dim``, computed stably with log-sum-exp."""

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        y = x - x.max(axis=dim, keepdims=True)  # shifted so that the largest is 0: e^y never overflows
        y -= np.log(np.exp(y).sum(axis=dim, keepdims=True))
        self.save_for_backward(y)
        self.dim = dim
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        # ∂yᵢ/∂xⱼ = δᵢⱼ − softmax(x)ⱼ, so ∂L/∂xⱼ = gⱼ − softmax(x)ⱼ Σᵢ gᵢ
        return grad - backward_math.exp(y) * grad.sum(axis=self.dim, keepdims=True)


def relu(input: Tensor) -> Tensor:
    return ReLU.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(floating(input))


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(floating(input))


def _softmax_axis(input: Tensor, dim: int) -> int | None:
    """The axis to normalize along; a 0-d tensor (dim 0 or -1) has no axis, its one element is all."""
    ndim = input._array.ndim
    axis = normalize_dim(dim, ndim)
    return axis if ndim else None


@accepts_numpy_names
def softmax(input: Tensor, dim: int) -> Tensor:
    return Softmax.apply(floating(input), dim=_softmax_axis(input, dim))


@accepts_numpy_names
def log_softmax(input: Tensor, dim: int) -> Tensor:
    return LogSoftmax.apply(floating(input), dim=_softmax_axis(input, dim))
