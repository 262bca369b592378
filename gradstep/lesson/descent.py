"""Gradient descent: step against the gradient, w ← w − η∇L, and how the learning rate η decides the walk.

The gradient ∇L points uphill, where the loss grows fastest; a small step the
other way lowers the loss. The learning rate η sets the step's length: too small
and the walk takes forever, too large and it overshoots the valley, zig-zags
across it, and past 2 / (largest curvature) climbs out of it altogether.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import gradstep
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl, Surface

ESCAPED = 1e3
"""A walk whose weights grow past this size has left any sensible region: it has diverged."""


def has_escaped(w: np.ndarray) -> bool:
    """Whether the point ``w`` is past :data:`ESCAPED`, or not a number at all: the walk has diverged.

    Example:
        >>> has_escaped(np.array([1.0, -2e3])), has_escaped(np.array([np.nan, 0.0])), has_escaped(np.zeros(2))
        (True, True, False)
    """
    return not (np.abs(w).max() <= ESCAPED)  # NaN compares false: it counts as escaped


def divergence_step(path: np.ndarray) -> int | None:
    """The step at which a walk escaped (see :func:`has_escaped`), or ``None`` if it never did.

    Example:
        >>> divergence_step(np.array([[1.0, 0.0], [-3.0, 0.0], [9e3, 0.0]]))
        2
    """
    for step, w in enumerate(path):
        if has_escaped(w):
            return step
    return None


def lr_limit(largest_curvature: float) -> float:
    """The learning rate above which gradient descent diverges near a minimum: 2 / λ_max.

    Along a direction of curvature λ each step multiplies the distance to the
    minimum by (1 − ηλ), which grows in size once ηλ > 2.

    Example:
        >>> lr_limit(4.0)
        0.5
    """
    return 2 / largest_curvature


def gradient_descent(surface: Surface, start: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """The points visited by ``steps`` steps of w ← w − η∇L from ``start``, shape ``(steps + 1, 2)``.

    Gradients come from gradstep's autograd. A walk that diverges stops early,
    so its path can be shorter.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 1.0))
        >>> gradient_descent(bowl, np.array([2.0, 0.0]), lr=0.5, steps=2)[:, 0]
        array([2. , 1. , 0.5])
    """
    path = [np.asarray(start, dtype=np.float64)]
    for _ in range(steps):
        w = path[-1]
        path.append(w - lr * surface.gradient(w))
        if has_escaped(path[-1]):
            break
    return np.array(path)


def optimizer_walk(
    surface: Surface, start: np.ndarray, steps: int, make_optimizer: Callable[[list[gradstep.Tensor]], Any]
) -> np.ndarray:
    """The points visited by ``steps`` steps of a ``gradstep.optim`` optimizer, shape ``(steps + 1, 2)``.

    ``make_optimizer`` receives the parameter list ``[w]``, as an optimizer does.
    Like :func:`gradient_descent`, a walk that diverges stops early.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 1.0))
        >>> walk = optimizer_walk(bowl, np.array([2.0, 0.0]), 2, lambda w: gradstep.optim.SGD(w, lr=0.5))
        >>> walk[:, 0]
        array([2. , 1. , 0.5])
    """
    w = gradstep.tensor(start, dtype=gradstep.float64, requires_grad=True)
    optimizer = make_optimizer([w])
    path = [w.detach().numpy().copy()]
    # A diverging walk overflows to inf before it is stopped: that is expected, not worth a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            optimizer.zero_grad()
            surface.loss(w).backward()
            optimizer.step()
            path.append(w.detach().numpy().copy())
            if has_escaped(path[-1]):
                break
    return np.array(path)


def demo(out_dir: Path) -> list[Path]:
    """One step drawn on a real model's loss, then whole walks with four learning rates."""
    from gradstep.plots.lesson_descent import plot_learning_rates, plot_one_step

    print("One step of gradient descent, w ← w − η∇L, on the loss of a logistic regression over its two weights")
    surface = LogisticRegressionLoss.generated()
    start, lr = np.array([-3.0, 5.0]), 3.0
    gradient = surface.gradient(start)
    after = start - lr * gradient
    print(f"  w        = {_point(start)}   L(w) = {surface.value(start):.4f}")
    print(f"  ∇L(w)    = {_point(gradient)}   by gradstep's autograd: it points uphill")
    print(f"  η        = {lr}")
    print(f"  w − η∇L  = {_point(after)}   L    = {surface.value(after):.4f}, lower")
    one_step = out_dir / "descent_one_step.png"
    plot_one_step(surface, start, gradient, lr, one_step)

    bowl = QuadraticBowl(curvatures=(1.0, 4.0))
    limit = bowl.largest_stable_lr
    examples = [
        (0.02, "too small: crawls"),
        (0.2, "good"),
        (0.47, "too large: zig-zags"),
        (0.53, f"above 2/λmax = {limit:g}: diverges"),
    ]
    steps = 25
    start = np.array([-2.5, 1.5])
    print(f"\n{steps} steps from w = {start} on a quadratic bowl with curvatures {bowl.curvatures}"
          f" (descent diverges for η > 2/λmax = {limit:g})")
    print(f"  {'η':>5}  {'loss at the end':>15}  verdict")
    paths = {}
    for lr, verdict in examples:
        paths[f"η = {lr}: {verdict}"] = path = gradient_descent(bowl, start, lr, steps)
        print(f"  {lr:>5}  {bowl.value(path[-1]):15.3g}  {verdict}")
    learning_rates = out_dir / "descent_learning_rates.png"
    plot_learning_rates(bowl, paths, learning_rates)
    return [one_step, learning_rates]


def _point(w: np.ndarray) -> str:
    return f"({w[0]: .4f}, {w[1]: .4f})"
