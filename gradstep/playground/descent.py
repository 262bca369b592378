"""The descent page's numbers: a loss surface to draw, and the walk an optimizer takes across it.

Everything comes from ``gradstep.lesson``: the surfaces, the walks (each step's
gradient by gradstep's autograd), the curvature at the bottom and the
learning rate above which each walk diverges there. This module only reads the
page's knobs and puts the results into plain lists for JSON.

Example:
    >>> result = walk({"surface": "bowl", "ratio": 10, "optimizer": "gd", "lr": 0.25, "steps": 50})
    >>> result["diverged_at"], round(result["lr_limit"], 6)  # 0.25 > 2/λ_max = 0.2
    (16, 0.2)
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from gradstep.lesson.adam import adam
from gradstep.lesson.descent import divergence_step, gradient_descent, lr_limit
from gradstep.lesson.momentum import momentum_lr_limit, nesterov_lr_limit, nesterov_momentum, textbook_momentum
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl, Rosenbrock, Saddle, Surface
from gradstep.playground.inputs import read_choice, read_integer, read_number, read_point

SURFACES: dict[str, Callable[[float], Surface]] = {
    "bowl": lambda ratio: QuadraticBowl(curvatures=(1.0, ratio)),
    "rosenbrock": lambda ratio: Rosenbrock(),
    "saddle": lambda ratio: Saddle(),
    "logistic": lambda ratio: LogisticRegressionLoss.fashion_mnist(),
}
"""Each surface made from the page's steepness ratio, which only the bowl uses (its curvatures are 1 and the ratio)."""

GRID_SIZE = 100
"""The contour map is drawn from the loss on a 100 × 100 grid."""


@dataclass(frozen=True)
class Walk:
    take: Callable[[Surface, np.ndarray, float, float, int], np.ndarray]
    """``take(surface, start, lr, momentum, steps)``: the points visited."""
    lr_limit: Callable[[float, float], float] | None
    """``lr_limit(largest curvature, momentum)``: the η above which the walk diverges near the bottom, if any."""


WALKS = {
    "gd": Walk(lambda surface, start, lr, momentum, steps: gradient_descent(surface, start, lr, steps),
               lambda curvature, momentum: lr_limit(curvature)),
    "momentum": Walk(textbook_momentum, momentum_lr_limit),
    "nesterov": Walk(nesterov_momentum, nesterov_lr_limit),
    # For Adam the γ knob is β₁, its running mean's memory, which plays momentum's part.
    "adam": Walk(lambda surface, start, lr, momentum, steps: adam(surface, start, lr, steps, betas=(momentum, 0.999)),
                 None),
}


@dataclass(frozen=True)
class SurfaceFacts:
    """What the page shows about a surface besides the walk: the map, the bottom and the curvatures there."""

    surface: Surface
    losses: np.ndarray
    lowest: np.ndarray
    curvatures: np.ndarray


@lru_cache(maxsize=32)
def _facts(name: str, ratio: float) -> SurfaceFacts:
    """Computed once per surface: every move of a slider asks again."""
    surface = SURFACES[name](ratio)
    lowest = surface.lowest_point()
    return SurfaceFacts(surface, surface.grid(GRID_SIZE)[2], lowest, surface.curvatures_at(lowest))


def _read_surface(values: Mapping[str, Any]) -> SurfaceFacts:
    name = read_choice(values, "surface", list(SURFACES), default="bowl")
    ratio = read_number(values, "ratio", default=10, at_least=1, at_most=1000) if name == "bowl" else 1.0
    return _facts(name, ratio)


def surface_map(values: Mapping[str, Any]) -> dict[str, Any]:
    """The contour map's data: the loss on a grid over the drawn region, where it is lowest and its curvatures there.

    Example:
        >>> result = surface_map({"surface": "saddle"})
        >>> len(result["losses"]), result["curvatures"]
        (10000, [1.0, 2.0])
    """
    facts = _read_surface(values)
    surface = facts.surface
    return {
        "x_range": list(surface.x_range),
        "y_range": list(surface.y_range),
        "size": GRID_SIZE,
        "losses": _rounded(facts.losses.ravel()),
        "lowest": facts.lowest.tolist(),
        "lowest_loss": surface.value(facts.lowest),
        "curvatures": _rounded(facts.curvatures),
    }


def walk(values: Mapping[str, Any]) -> dict[str, Any]:
    """The walk the knobs ask for: its points, the loss at each, and where it diverged, if it did.

    ``lr_limit`` is the η above which this optimizer diverges at the bottom of
    the surface (``None`` for Adam, which has no such limit).
    """
    facts = _read_surface(values)
    name = read_choice(values, "optimizer", list(WALKS), default="gd")
    lr = read_number(values, "lr", default=0.05, above=0, at_most=100)
    momentum = read_number(values, "momentum", default=0.9, at_least=0, below=1)
    steps = read_integer(values, "steps", default=100, at_least=1, at_most=1000)
    start = np.array(read_point(values, "start", default=[-2.5, 1.5], largest=1000))
    chosen = WALKS[name]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging walk may overflow before it is stopped
        path = chosen.take(facts.surface, start, lr, momentum, steps)
        losses = facts.surface.values(path)
    largest_curvature = float(facts.curvatures.max())
    limit = chosen.lr_limit(largest_curvature, momentum) if chosen.lr_limit and largest_curvature > 0 else None
    return {
        "path": [_rounded(point) for point in path],
        "losses": _rounded(losses),
        "diverged_at": divergence_step(path),
        "largest_curvature": largest_curvature,
        "lr_limit": limit,
    }


def _rounded(values: np.ndarray) -> list[float | None]:
    """Numbers to 6 significant digits, enough to draw; ``None`` for those that are not finite (JSON has no NaN)."""
    values = np.asarray(values, dtype=np.float64)
    return [float(f"{value:.6g}") if finite else None
            for value, finite in zip(values.tolist(), np.isfinite(values).tolist())]
