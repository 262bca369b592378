"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, count_in_place_changes, writable_array


class SGD(Optimizer):
    r"""Gradient descent: each step moves every weight against its gradient.

    For each parameter w with gradient g = ∇L(w), learning rate η, momentum γ,
    dampening τ and weight decay λ, one step is exactly PyTorch's::

        g ← g + λ·w                       (if λ ≠ 0)
        v ← g                              (first step)
        v ← γ·v + (1 − τ)·g                (later steps, if γ ≠ 0)
        g ← g + γ·v  (Nesterov)   or   g ← v
        w ← w − η·g

    With γ = 0 this is plain gradient descent, w ← w − η∇L.

    The lesson writes momentum the textbook way, as a velocity that already includes η::

        v ← γ·v − η·∇L
        w ← w + v

    While η stays constant the two forms take the same steps: the textbook velocity is
    −η times PyTorch's (unroll both: each step adds −η·Σₖ γᵏ·g₍ₜ₋ₖ₎). When η changes during
    training (a scheduler) they differ: PyTorch's form applies the new η to the whole
    accumulated velocity at once.

    >>> import gradstep
    >>> w = gradstep.tensor([1.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    @no_grad()
    def step(self) -> None:
        # The update works on the NumPy arrays, in place (``out=``, ``*=``, ``+=``): no graph is
        # ever recorded here, so of the checks a tensor's in-place op makes only one has something
        # to guard (``writable_array``), and each line below is one or two ufunc passes.
        # The version counters still go up, as an in-place op's would: a graph that saved a
        # weight before the step then refuses to backward through it, as in PyTorch.
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for w in group["params"]:
                grad = w.grad
                if grad is None:
                    continue
                weight = writable_array(w)
                g = -grad._array if group["maximize"] else grad._array
                if weight_decay != 0:
                    g = g + weight_decay * weight  # g ← g + λ·w
                if momentum != 0:
                    state = self.state.setdefault(w, {})
                    if state.get("momentum_buffer") is None:
                        state["momentum_buffer"] = Tensor._wrap(g.copy())  # v ← g
                        v = state["momentum_buffer"]._array
                    else:
                        buffer = state["momentum_buffer"]
                        v = buffer._array
                        v *= momentum  # v ← γ·v + (1 − τ)·g
                        np.add(v, g if dampening == 0 else (1 - dampening) * g, out=v)
                        count_in_place_changes(buffer, 2)  # as PyTorch's mul_ and add_ do
                    g = g + momentum * v if nesterov else v  # g ← g + γ·v (Nesterov) or g ← v
                weight += g * -lr  # w ← w − η·g
                count_in_place_changes(w)
