"""Adam and AdamW: gradient descent with per-weight step sizes from running averages."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .. import creation
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, count_in_place_changes, writable_array


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), step for step as PyTorch computes it.

    For each parameter w with gradient g, learning rate η, betas (β₁, β₂), ε and weight decay λ::

        g ← g + λ·w                 (Adam's L2 penalty; AdamW decays w directly instead)
        t ← t + 1
        m ← β₁·m + (1 − β₁)·g       (running mean of gradients)
        v ← β₂·v + (1 − β₂)·g²      (running mean of squared gradients)
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   (both start at 0: correct that bias)
        w ← w − η · m̂ / (√v̂ + ε)

    With ``amsgrad=True`` the largest v seen so far is used in place of v.

    >>> import gradstep
    >>> w = gradstep.tensor([1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @no_grad()
    def step(self) -> None:
        # The update works on the NumPy arrays, in place, as SGD's does (see there): no graph is
        # recorded, each line is one or two ufunc passes, and the version counters go up as
        # PyTorch's in-place ops make them (once per op on each tensor).
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay = group["weight_decay"]
            for w in group["params"]:
                if w.grad is None:
                    continue
                weight = writable_array(w)
                g = -w.grad._array if group["maximize"] else w.grad._array
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        weight *= 1 - lr * weight_decay  # w ← w·(1 − ηλ)  (AdamW)
                        count_in_place_changes(w)
                    else:
                        g = g + weight_decay * weight  # g ← g + λ·w
                state = self.state.setdefault(w, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = creation.zeros_like(w)
                    state["exp_avg_sq"] = creation.zeros_like(w)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = creation.zeros_like(w)
                state["step"] += 1
                m, v = state["exp_avg"]._array, state["exp_avg_sq"]._array
                m += (g - m) * (1 - beta1)  # m ← β₁m + (1−β₁)g, written as PyTorch's lerp
                v *= beta2  # v ← β₂v + (1−β₂)g²
                v += (g * g) * (1 - beta2)
                count_in_place_changes(state["exp_avg"])
                count_in_place_changes(state["exp_avg_sq"], 2)
                if group["amsgrad"]:
                    np.maximum(state["max_exp_avg_sq"]._array, v, out=state["max_exp_avg_sq"]._array)
                    count_in_place_changes(state["max_exp_avg_sq"])
                    v = state["max_exp_avg_sq"]._array
                bias_correction1 = 1 - beta1 ** state["step"]
                bias_correction2 = 1 - beta2 ** state["step"]
                denom = np.sqrt(v) / bias_correction2**0.5 + eps  # √v̂ + ε
                weight -= (m / denom) * (lr / bias_correction1)  # w ← w − η·m̂ / (√v̂ + ε)
                count_in_place_changes(w)



class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): w ← w·(1 − ηλ) before the Adam step."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
