"""Batch normalization: each channel shifted and scaled to mean 0 and variance 1 over the batch,
then given a learned scale γ and shift β.

In training mode the statistics come from the batch itself, so every output depends on every
input of its channel, and the gradient has to follow those paths too (see ``BatchNorm``). In
evaluation mode the running averages stand in for them: then it is a fixed affine map, built
from ordinary ops.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad


def _channel_axes(ndim: int) -> tuple[int, ...]:
    """Every axis but the channel axis 1: (N, C) → (0,), (N, C, L) → (0, 2), (N, C, H, W) → (0, 2, 3)."""
    return (0, *range(2, ndim))


def _per_channel(values: np.ndarray, ndim: int) -> np.ndarray:
    """A (C,) vector shaped to broadcast along axis 1 of an ndim-dim input."""
    return values.reshape(-1, *[1] * (ndim - 2))


class BatchNorm(Function):
    """y = γ·x̂ + β, x̂ = (x − μ)/√(σ² + ε), μ and σ² the batch's per-channel mean and (biased) variance.

    ``mean`` and ``var`` are the batch's statistics, computed once by the caller, who also
    needs them for the running averages; the backward computes them again from x.

    With G = ∂L/∂y and n values per channel, the chain rule through x̂, μ and σ² gives
      ∂L/∂β = Σ G,   ∂L/∂γ = Σ G·x̂,
      ∂L/∂x = γ/√(σ² + ε) · (G − Σ G / n − x̂ · Σ G·x̂ / n):
    the direct path, minus the part that moved the mean, minus the part that moved the variance.
    Sums, products and a power only: with ``create_graph`` the same lines record a graph, whose
    gradient is batch norm's second derivative.
    """

    def forward(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray, *, mean: np.ndarray, var: np.ndarray,
                eps: float) -> np.ndarray:
        self.save_for_backward(x, weight)
        self.eps, self.count = eps, x.size // x.shape[1]  # n, the values per channel
        scale = weight / np.sqrt(var + eps)
        # PyTorch's own arrangement, x·scale + (β − μ·scale): two passes over x, and the same rounding.
        return x * _per_channel(scale, x.ndim) + _per_channel(bias - mean * scale, x.ndim)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        x, weight = self.saved_tensors
        axes, count = _channel_axes(x.ndim), self.count
        centered = x - x.sum(axis=axes, keepdims=True) / count
        inv_std = ((centered * centered).sum(axis=axes, keepdims=True) / count + self.eps) ** -0.5
        grad_sum = grad.sum(axis=axes, keepdims=True)  # Σ G
        centered_dot = (grad * centered).sum(axis=axes, keepdims=True)  # Σ G·(x − μ) = Σ G·x̂ · √(σ² + ε)
        grad_x = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            gamma = weight.reshape(inv_std.shape)
            variance_part = centered * (centered_dot * inv_std * inv_std / count)  # x̂ · Σ G·x̂ / n
            grad_x = (grad - grad_sum / count - variance_part) * (gamma * inv_std)
        if self.needs_input_grad[1]:
            grad_weight = (centered_dot * inv_std).reshape(weight.shape)
        if self.needs_input_grad[2]:
            grad_bias = grad_sum.reshape(weight.shape)
        return grad_x, grad_weight, grad_bias


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) of ``input``; in training mode also update the running statistics.

    ``running_mean ← (1 − momentum)·running_mean + momentum·μ`` and the same for the variance,
    with the unbiased batch variance, as PyTorch does.

    >>> import gradstep
    >>> x = gradstep.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> batch_norm(x, None, None, training=True)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected an input of shape (N, C, ...), got shape {tuple(input.shape)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"batch_norm(): expected a floating-point input, got {input.dtype}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(
                f"batch_norm(): {name} should contain {channels} elements (one per channel of the input of shape "
                f"{tuple(input.shape)}), not {tensor.numel()}"
            )
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm(): running_mean and running_var must be given in evaluation mode")
        return _normalize_with(input, running_mean._array, running_var._array, weight, bias, eps)
    count = input.numel() // channels
    if count <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {tuple(input.shape)}"
        )
    x = input._array
    axes = _channel_axes(x.ndim)
    mean = x.mean(axis=axes)
    centered = x - _per_channel(mean, x.ndim)
    var = (centered * centered).mean(axis=axes)
    if running_mean is not None and running_var is not None:
        with no_grad():
            running_mean._array[...] = (1 - momentum) * running_mean._array + momentum * mean
            running_var._array[...] = (1 - momentum) * running_var._array + momentum * var * (count / (count - 1))
    dtype = x.dtype
    gamma = weight if weight is not None else Tensor._wrap(np.ones(channels, dtype=dtype))
    beta = bias if bias is not None else Tensor._wrap(np.zeros(channels, dtype=dtype))
    return BatchNorm.apply(input, gamma, beta, mean=mean, var=var, eps=eps)


def _normalize_with(input: Tensor, mean: np.ndarray, var: np.ndarray, weight: Tensor | None, bias: Tensor | None,
                    eps: float) -> Tensor:
    """Evaluation mode, fixed statistics: y = (x − μ)·γ/√(σ² + ε) + β, built from ordinary ops."""
    dtype, ndim = input._array.dtype, input.ndim
    inv_std = Tensor._wrap(_per_channel((var.astype(dtype) + dtype.type(eps)) ** -0.5, ndim))
    y = (input - Tensor._wrap(_per_channel(mean.astype(dtype), ndim))) * inv_std
    if weight is not None:
        y = y * weight.reshape(-1, *[1] * (ndim - 2))
    if bias is not None:
        y = y + bias.reshape(-1, *[1] * (ndim - 2))
    return y

