"""Gradient descent: step against the gradient, w ← w − η∇L, and how the learning rate η decides the walk.

The gradient ∇L points uphill, where the loss grows fastest; a small step the
other way lowers the loss. The learning rate η sets the step's length: too small
and the walk takes forever, too large and it overshoots the valley, zig-zags
across it, and past 2 / (largest curvature) climbs out of it altogether.
"""
from __future__ import annotations

from pathlib import Path

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
    return [one_step, learning_rates]


def _point(w: np.ndarray) -> str:
    return f"({w[0]: .4f}, {w[1]: .4f})"
