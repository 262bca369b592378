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
from gradstep.i18n import pad, translator
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


def loss_after_descent(surface: Surface, start: np.ndarray, learning_rates: np.ndarray, steps: int) -> np.ndarray:
    """The loss after ``steps`` steps of descent from ``start``, for each learning rate (inf if it diverged)."""
    finals = []
    for lr in learning_rates:
        path = gradient_descent(surface, start, lr, steps)
        finals.append(surface.value(path[-1]) if len(path) == steps + 1 else np.inf)
    return np.array(finals)


def demo(out_dir: Path, lang: str = "en") -> list[Path]:
    """One step drawn on a real model's loss, then whole walks with four learning rates.

    ``lang`` is the language of the printed text and the figures: "en" or "zh-CN".
    """
    from gradstep.plots.lesson_descent import plot_learning_rates, plot_one_step

    tr = translator(lang)
    print(tr("One step of gradient descent, w ← w − η∇L, on the loss of a logistic regression over its two weights"))
    surface = LogisticRegressionLoss.generated()
    start, lr = np.array([-3.0, 5.0]), 3.0
    gradient = surface.gradient(start)
    after = start - lr * gradient
    print(f"  w        = {_point(start)}   L(w) = {surface.value(start):.4f}")
    print(f"  ∇L(w)    = {_point(gradient)}   " + tr("by gradstep's autograd: it points uphill"))
    print(f"  η        = {lr}")
    print(f"  w − η∇L  = {_point(after)}   " + tr("L    = {loss:.4f}, lower", loss=surface.value(after)))
    one_step = out_dir / "descent_one_step.png"
    plot_one_step(surface, start, gradient, lr, one_step, lang=lang)

    bowl = QuadraticBowl(curvatures=(1.0, 4.0))
    limit = bowl.largest_stable_lr
    examples = [
        (0.02, tr("too small: crawls")),
        (0.2, tr("good")),
        (0.47, tr("too large: zig-zags")),
        (0.53, tr("above 2/λmax = {limit:g}: diverges", limit=limit)),
    ]
    steps = 25
    start = np.array([-2.5, 1.5])
    print("\n" + tr("{steps} steps from w = {start} on a quadratic bowl with curvatures {curvatures}"
                    " (descent diverges for η > 2/λmax = {limit:g})",
                    steps=steps, start=start, curvatures=bowl.curvatures, limit=limit))
    print(f"  {'η':>5}  {pad(tr('loss at the end'), 15, '>')}  {tr('verdict')}")
    paths = {}
    for lr, verdict in examples:
        paths[tr("η = {lr}: {verdict}", lr=lr, verdict=verdict)] = path = gradient_descent(bowl, start, lr, steps)
        print(f"  {lr:>5}  {bowl.value(path[-1]):15.3g}  {verdict}")
    learning_rates = out_dir / "descent_learning_rates.png"
    plot_learning_rates(bowl, paths, learning_rates, lang=lang)
    return [one_step, learning_rates, *_curvature_demo(surface, out_dir, tr, lang)]


def _curvature_demo(surface: Surface, out_dir: Path, tr: Callable[..., str], lang: str) -> list[Path]:
    """Where the largest curvature puts the edge of stability, and Newton's step beside descent's."""
    from gradstep.plots.lesson_descent import plot_newton_step, plot_stability

    bottom = surface.lowest_point()
    hessian = surface.hessian(bottom)
    curvature = float(np.linalg.eigvalsh(hessian).max())
    limit = lr_limit(curvature)
    print("\n" + tr("The curvature of the {surface} loss at its minimum w* = {point}:",
                    surface=tr(surface.name), point=_point(bottom)))
    print(f"  Hessian ∂²L/∂w² = [[{hessian[0, 0]:.4f}, {hessian[0, 1]:.4f}], [{hessian[1, 0]:.4f}, {hessian[1, 1]:.4f}]]"
          "   gradstep.autograd.functional.hessian")
    print("  " + tr("λmax = {curvature:.4f}: near w*, descent stops converging for η > 2/λmax = {limit:.4f}",
                    curvature=curvature, limit=limit))
    start, steps = bottom + np.array([0.3, -0.2]), 100
    learning_rates = limit * np.linspace(0.5, 1.5, 41)
    finals = loss_after_descent(surface, start, learning_rates, steps)
    below, above = loss_after_descent(surface, start, [0.9 * limit, 1.1 * limit], steps) - surface.value(bottom)
    print("  " + tr("{steps} steps from near w*: with η = 0.9·2/λmax the loss ends {below:.1e} above the minimum, "
                    "with η = 1.1·2/λmax {above:.1e} (it bounces across the valley instead of settling)",
                    steps=steps, below=below, above=above))
    stability = out_dir / "descent_stability.png"
    plot_stability(learning_rates, finals, limit, surface.value(bottom), stability, lang=lang)

    w, lr = np.zeros(2), 1.0
    by_gradient, by_newton = w - lr * surface.gradient(w), surface.newton_step(w)
    print("\n" + tr("From w = {point}: a gradient step (η = {lr}) reaches L = {by_gradient:.4f}, a Newton step "
                    "w − H⁻¹∇L reaches L = {by_newton:.4f} (minimum {minimum:.4f})",
                    point=_point(w), lr=lr, by_gradient=surface.value(by_gradient),
                    by_newton=surface.value(by_newton), minimum=surface.value(bottom)))
    print("  " + tr("dividing each direction's slope by its curvature takes a long stride along the flat valley floor"))
    newton = out_dir / "descent_newton.png"
    plot_newton_step(surface, w, by_gradient, by_newton, newton, lang=lang)
    return [stability, newton]


def _point(w: np.ndarray) -> str:
    return f"({w[0]: .4f}, {w[1]: .4f})"
