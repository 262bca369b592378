"""Adam: a step size for each weight, from running averages of its gradient and of its gradient squared.

Gradient descent moves every weight by η times its gradient, so a steep
direction takes big steps and a flat one tiny steps. Adam divides each weight's
step by the size its gradient has had lately::

    m ← β₁m + (1 − β₁)∇L          a running mean of the gradient: momentum
    v ← β₂v + (1 − β₂)(∇L)²       a running mean of its square: its usual size
    w ← w − η · m̂ / (√v̂ + ε)      m̂, v̂: m and v corrected for starting at 0

so every weight moves by about η per step, steep or flat: η is a distance, not
a multiple of the gradient, and no curvature sets a limit on it as 2/λ_max does
for descent.
"""
from __future__ import annotations

import numpy as np

import gradstep
from gradstep.lesson.descent import optimizer_walk
from gradstep.lesson.surfaces import Surface


def adam(
    surface: Surface, start: np.ndarray, lr: float, steps: int, betas: tuple[float, float] = (0.9, 0.999)
) -> np.ndarray:
    """The points visited by ``steps`` steps of ``gradstep.optim.Adam``, shape ``(steps + 1, 2)``.

    Example:
        >>> from gradstep.lesson.surfaces import QuadraticBowl
        >>> path = adam(QuadraticBowl(curvatures=(1.0, 100.0), angle=0.0), np.array([1.0, 1.0]), lr=0.1, steps=1)
        >>> path[1]  # both weights moved by η, however different their gradients (1 and 100)
        array([0.9, 0.9])
    """
    return optimizer_walk(surface, start, steps, lambda w: gradstep.optim.Adam(w, lr=lr, betas=betas))
