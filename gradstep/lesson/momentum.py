"""Momentum: a velocity that remembers past gradients, written the lesson's way and PyTorch's way.

The lesson's (textbook) form keeps a velocity v that already includes η::

    v ← γv − η∇L
    w ← w + v

PyTorch's ``SGD(momentum=γ)`` keeps a running sum of gradients and scales it when stepping::

    v ← γv + ∇L
    w ← w − ηv

Unrolled, both move w by −η Σₖ γᵏ ∇L₍ₜ₋ₖ₎ at step t: the same walk, as long as η
does not change. In a long narrow valley the gradients across the valley flip
sign from step to step and cancel in the sum, while those along it agree and add
up: the zig-zag calms down and the walk speeds up along the valley floor.

Nesterov's momentum (``SGD(momentum=γ, nesterov=True)``) looks one step ahead:
it steps by ∇L + γv instead of v, which brakes earlier when the gradient turns.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import gradstep
from gradstep.i18n import display_width, pad, translator
from gradstep.lesson.descent import has_escaped, optimizer_walk
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl, Surface


def textbook_momentum(surface: Surface, start: np.ndarray, lr: float, momentum: float, steps: int) -> np.ndarray:
    """The points visited by ``steps`` steps of v ← γv − η∇L, w ← w + v, shape ``(steps + 1, 2)``.

    With ``momentum=0`` this is plain gradient descent. A walk that diverges
    stops early, as in :func:`~gradstep.lesson.descent.gradient_descent`.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 1.0))
        >>> textbook_momentum(bowl, np.array([2.0, 0.0]), lr=0.5, momentum=0.5, steps=2)[:, 0]
        array([2., 1., 0.])
    """
    w = np.asarray(start, dtype=np.float64)
    velocity = np.zeros_like(w)
    path = [w]
    for _ in range(steps):
        velocity = momentum * velocity - lr * surface.gradient(w)
        w = w + velocity
        path.append(w)
        if has_escaped(w):
            break
    return np.array(path)


def sgd_momentum(surface: Surface, start: np.ndarray, lr: float, momentum: float, steps: int) -> np.ndarray:
    """The same walk taken by ``gradstep.optim.SGD(momentum=γ)``, PyTorch's form of momentum.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 1.0))
        >>> sgd_momentum(bowl, np.array([2.0, 0.0]), lr=0.5, momentum=0.5, steps=2)[:, 0]
        array([2., 1., 0.])
    """
    return optimizer_walk(surface, start, steps, lambda w: gradstep.optim.SGD(w, lr=lr, momentum=momentum))


def nesterov_momentum(surface: Surface, start: np.ndarray, lr: float, momentum: float, steps: int) -> np.ndarray:
    """The walk of ``gradstep.optim.SGD(momentum=γ, nesterov=True)``: v ← γv + ∇L, w ← w − η(∇L + γv).

    With γ = 0 it is plain gradient descent (SGD refuses ``nesterov=True`` without momentum, as PyTorch's does).

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 1.0))
        >>> nesterov_momentum(bowl, np.array([2.0, 0.0]), lr=0.5, momentum=0.5, steps=2)[:, 0]
        array([ 2.   ,  0.5  , -0.125])
    """
    return optimizer_walk(
        surface, start, steps, lambda w: gradstep.optim.SGD(w, lr=lr, momentum=momentum, nesterov=momentum > 0))


def momentum_lr_limit(largest_curvature: float, momentum: float) -> float:
    """The learning rate above which momentum diverges near a minimum: 2(1 + γ) / λ_max.

    Along a direction of curvature λ the walk follows wₜ₊₁ = (1 + γ − ηλ)wₜ − γwₜ₋₁,
    which stays bounded only while ηλ < 2(1 + γ): momentum tolerates larger steps.

    Example:
        >>> momentum_lr_limit(4.0, momentum=0.0), momentum_lr_limit(4.0, momentum=0.9)
        (0.5, 0.95)
    """
    return 2 * (1 + momentum) / largest_curvature


def nesterov_lr_limit(largest_curvature: float, momentum: float) -> float:
    """The learning rate above which Nesterov's momentum diverges near a minimum: 2(1 + γ) / ((1 + 2γ) λ_max).

    Looking ahead costs some room: the limit falls from 2/λ_max at γ = 0 to 4/(3λ_max) as γ nears 1.

    Example:
        >>> nesterov_lr_limit(4.0, momentum=0.0), nesterov_lr_limit(4.0, momentum=0.5)
        (0.5, 0.375)
    """
    return 2 * (1 + momentum) / ((1 + 2 * momentum) * largest_curvature)


def steps_to_reach(surface: Surface, path: np.ndarray, target: float) -> int | None:
    """The first step at which the walk's loss is at most ``target``; ``None`` if it never gets there.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 1.0))
        >>> steps_to_reach(bowl, np.array([[2.0, 0.0], [1.0, 0.0], [0.1, 0.0]]), target=0.5)
        1
    """
    for step, w in enumerate(path):
        if surface.value(w) <= target:
            return step
    return None


MOMENTA = (0.0, 0.5, 0.9)
"""γ = 0 is plain gradient descent."""


def walk_name(momentum: float, lang: str = "en") -> str:
    """How the demo's tables and pictures name a walk with momentum γ, in the language ``lang``.

    Example:
        >>> walk_name(0.0), walk_name(0.9)
        ('plain gradient descent', 'momentum γ = 0.9')
        >>> walk_name(0.9, lang="zh-CN")
        '动量 γ = 0.9'
    """
    tr = translator(lang)
    return tr("plain gradient descent") if momentum == 0 else tr("momentum γ = {momentum}", momentum=momentum)


@dataclass
class ValleyWalks:
    """Walks with each momentum in :data:`MOMENTA` over one surface, and the loss they aim for."""

    surface: Surface
    lowest: float
    target: float
    paths: dict[float, np.ndarray]


def demo(out_dir: Path, lang: str = "en") -> list[Path]:
    """Plain descent against momentum on two narrow valleys, and the two forms of momentum side by side.

    ``lang`` is the language of the printed text and the figures: "en" or "zh-CN".
    """
    from gradstep.plots.lesson_momentum import plot_momentum_paths, plot_two_forms

    tr = translator(lang)
    names = {momentum: walk_name(momentum, lang) for momentum in MOMENTA}
    name_width = max(24, *(display_width(name) + 2 for name in names.values()))
    settings = [
        # surface, start, learning rate, steps, how far above the lowest loss counts as arrived
        (QuadraticBowl(curvatures=(1.0, 10.0)), np.array([-2.6, 0.2]), 0.02, 100, 1e-3),
        (LogisticRegressionLoss.generated(), np.array([-3.5, 5.0]), 0.15, 100, 1e-3),
    ]
    valleys = []
    for surface, start, lr, steps, margin in settings:
        # Where a long walk settles is, to the printed digits, the bottom of the valley.
        lowest = surface.value(textbook_momentum(surface, start, lr, 0.9, 1500)[-1])
        valley = ValleyWalks(surface, lowest, lowest + margin, {
            momentum: textbook_momentum(surface, start, lr, momentum, steps) for momentum in MOMENTA})
        valleys.append(valley)
        print(tr("{surface}: η = {lr}, {steps} steps from w = {start}, target loss {target:.4f}"
                 " (lowest {lowest:.4f} + {margin:g})", surface=tr(surface.name).capitalize(), lr=lr, steps=steps,
                 start=start, target=valley.target, lowest=lowest, margin=margin))
        print(f"  {'':<{name_width}}{pad(tr('steps to reach the target'), 27, '>')}"
              f"{pad(tr('loss at the end'), 17, '>')}")
        for momentum, path in valley.paths.items():
            reached = steps_to_reach(surface, path, valley.target)
            reached_text = str(reached) if reached is not None else tr("not in {steps}", steps=steps)
            print(f"  {pad(names[momentum], name_width)}{pad(reached_text, 27, '>')}"
                  f"{surface.value(path[-1]):>17.4f}")
        print()
    paths = out_dir / "momentum_paths.png"
    plot_momentum_paths(valleys, names, paths, lang=lang)

    print(tr("The two forms of the momentum update, from the same start with the same η and γ:"))
    forms = {tr("textbook:"): "v ← γv − η∇L;  w ← w + v", tr("PyTorch (optim.SGD):"): "v ← γv + ∇L;   w ← w − ηv"}
    form_width = max(display_width(form) for form in forms) + 1
    for form, update in forms.items():
        print(f"  {pad(form, form_width)}{update}")
    drawn_momentum = MOMENTA[-1]
    drawn = []
    for valley, (surface, start, lr, steps, _) in zip(valleys, settings):
        for momentum in MOMENTA[1:]:
            pytorch_form = sgd_momentum(surface, start, lr, momentum, steps)
            difference = np.abs(valley.paths[momentum] - pytorch_form).max()
            print("  " + tr("{surface}, γ = {momentum}: largest |difference| in {steps} steps = {difference:.1e}",
                            surface=tr(surface.name), momentum=momentum, steps=steps, difference=difference))
            if momentum == drawn_momentum:
                drawn.append((surface, valley.paths[momentum], pytorch_form))
    two_forms = out_dir / "momentum_two_forms.png"
    plot_two_forms(drawn, drawn_momentum, two_forms, lang=lang)
    return [paths, two_forms]
