"""RMSprop: each weight's step divided by the root of a running mean of its squared gradients."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .. import creation
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, count_in_place_changes, writable_array


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), step for step as PyTorch computes it.

    For each parameter w with gradient g, learning rate η, smoothing α, ε, weight decay λ and momentum γ::

        g ← g + λ·w
        v ← α·v + (1 − α)·g²            (running mean of squared gradients, from 0)
        s = √v + ε                       (centered: s = √(v − ḡ²) + ε, with ḡ ← α·ḡ + (1 − α)·g)
        w ← w − η · g / s                (with momentum: b ← γ·b + g / s, then w ← w − η·b)

    A weight whose gradients have been large takes small steps, and one whose gradients
    have been small takes large ones: the step size adapts per weight.

    >>> import gradstep
    >>> w = gradstep.tensor([1.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        for name, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                            ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if value < 0:
                raise ValueError(f"Invalid {name}: {value}")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    @no_grad()
    def step(self) -> None:
        # On the NumPy arrays, in place, as SGD's and Adam's steps are (see there).
        for group in self.param_groups:
            lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
            for w in group["params"]:
                if w.grad is None:
                    continue
                weight = writable_array(w)
                g = -w.grad._array if group["maximize"] else w.grad._array
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * weight  # g ← g + λ·w
                state = self.state.setdefault(w, {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = creation.zeros_like(w)
                    if momentum > 0:
                        state["momentum_buffer"] = creation.zeros_like(w)
                    if group["centered"]:
                        state["grad_avg"] = creation.zeros_like(w)
                state["step"] += 1
                v = state["square_avg"]._array
                v *= alpha  # v ← αv + (1−α)g²
                v += (g * (1 - alpha)) * g  # in the order of PyTorch's addcmul, to the last bit
                count_in_place_changes(state["square_avg"], 2)
                if group["centered"]:
                    mean = state["grad_avg"]._array
                    mean += (g - mean) * (1 - alpha)  # ḡ ← αḡ + (1−α)g, written as PyTorch's lerp
                    count_in_place_changes(state["grad_avg"])
                    scale = np.sqrt(v - mean * mean) + eps  # s = √(v − ḡ²) + ε
                else:
                    scale = np.sqrt(v) + eps  # s = √v + ε
                if momentum > 0:
                    buffer = state["momentum_buffer"]._array
                    buffer *= momentum  # b ← γb + g/s
                    buffer += g / scale
                    count_in_place_changes(state["momentum_buffer"], 2)
                    weight -= buffer * lr  # w ← w − η·b
                else:
                    weight -= (g / scale) * lr  # w ← w − η·g/s
                count_in_place_changes(w)
