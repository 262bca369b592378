"""Gradient descent: step against the gradient, w ← w − η∇L, and how the learning rate η decides the walk.

The gradient ∇L points uphill, where the loss grows fastest; a small step the
other way lowers the loss. The learning rate η sets the step's length: too small
and the walk takes forever, too large and it overshoots the valley, zig-zags
across it, and past 2 / (largest curvature) climbs out of it altogether.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from gradstep.i18n import pad, translator
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl, Surface

ESCAPED = 1e3
"""A walk whose weights grow past this size has left any sensible region: it has diverged."""


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
        if np.abs(path[-1]).max() > ESCAPED:
            break
    return np.array(path)


def newton_step(surface: Surface, w: np.ndarray) -> np.ndarray:
    """One step of Newton's method, w ← w − H⁻¹∇L: the gradient rescaled by the curvature.

    Where descent takes the same η in every direction, Newton divides each direction's
    slope by its curvature, so on a quadratic bowl one step lands at the bottom.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 10.0))
        >>> np.round(newton_step(bowl, np.array([2.0, 1.0])), 12) + 0.0
        array([0., 0.])
    """
    return w - np.linalg.solve(surface.hessian(w), surface.gradient(w))


def minimum(surface: Surface, start: np.ndarray, steps: int = 20) -> np.ndarray:
    """The bottom of a convex surface, by Newton steps from ``start`` (each squares the error)."""
    w = np.asarray(start, dtype=np.float64)
    for _ in range(steps):
        w = newton_step(surface, w)
    return w


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

    bottom = minimum(surface, np.zeros(2))
    hessian = surface.hessian(bottom)
    curvature = float(np.linalg.eigvalsh(hessian).max())
    limit = 2 / curvature
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
    by_gradient, by_newton = w - lr * surface.gradient(w), newton_step(surface, w)
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
