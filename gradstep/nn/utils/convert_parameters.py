"""A model's parameters as one flat vector, and back: what second-order and evolutionary methods work with."""
from __future__ import annotations

from typing import Iterable

from ..._tensor import Tensor
from ...ops import cat


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined, in order, into one vector (differentiable, as in PyTorch).

    >>> from gradstep import nn
    >>> parameters_to_vector(nn.Linear(3, 2).parameters()).shape
    gradstep.Size([8])
    """
    return cat([param.reshape(-1) for param in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Cut ``vec`` into the parameters' shapes, in order, and make each parameter's values those."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected a Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    needed = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != needed:
        raise RuntimeError(f"vector_to_parameters(): vec of shape {tuple(vec.shape)} must be 1-D with {needed} elements")
    start = 0
    for param in params:
        count = param.numel()
        param.data = vec[start : start + count].reshape(param.shape).detach()
        start += count
