"""Gradient clipping: keep one bad batch from throwing the weights far away.

``clip_grad_norm_`` scales all gradients together so that their combined norm is at most
``max_norm`` (the direction of the step is kept); ``clip_grad_value_`` clamps each element.
"""
from __future__ import annotations

import math
from typing import Iterable

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...creation import tensor
from ...ops import stack
from ...ops.norm import vector_norm


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients in place so their total ``norm_type``-norm is at most ``max_norm``; return that norm before clipping.

    The total norm is the norm of the per-parameter norms, i.e. of all gradients as one
    vector. The scale is max_norm / (total + 1e-6), and only ever shrinks, as in PyTorch.

    >>> import gradstep
    >>> w = gradstep.zeros(2, requires_grad=True)
    >>> w.grad = gradstep.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    with no_grad():
        total = vector_norm(stack([vector_norm(g, norm_type) for g in grads]), norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(
                f"The total norm of order {float(norm_type)} for gradients from `parameters` is non-finite, so it "
                "cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
                "set `error_if_nonfinite=False`"
            )
        scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(scale.to(grad.dtype))
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place."""
    with no_grad():
        for grad in _grads(parameters):
            grad.copy_(grad.clamp(-clip_value, clip_value))
