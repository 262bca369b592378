"""Loss surfaces over two weights: small enough to draw, real enough to learn from.

A surface is a loss written with gradstep operations on weights ``w`` of shape
``(..., 2)``. The same code gives the loss at one point (a 0-d tensor that
autograd can differentiate) and at a whole grid of points at once (for the
contour lines), so what is drawn is exactly what is descended.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import gradstep
from gradstep import Tensor


class Surface:
    """A loss over two weights ``(w1, w2)``, with the region worth drawing.

    Subclasses define :meth:`loss`; everything else follows from it.
    """

    name: str = "surface"
    x_range: tuple[float, float] = (-1.0, 1.0)
    y_range: tuple[float, float] = (-1.0, 1.0)

    def loss(self, w: Tensor) -> Tensor:
        """The loss at each point of ``w`` (shape ``(..., 2)``), of shape ``(...)``."""
        raise NotImplementedError

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """∇L at the point ``w``, computed by gradstep's autograd.

        Example:
            >>> QuadraticBowl(curvatures=(1.0, 4.0), angle=0.0).gradient(np.array([1.0, 1.0]))
            array([1., 4.])
        """
        point = gradstep.tensor(w, dtype=gradstep.float64, requires_grad=True)
        (grad,) = gradstep.autograd.grad(self.loss(point), point)
        return grad.numpy()

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """The 2 × 2 matrix of second derivatives ∂²L/∂wᵢ∂wⱼ at ``w``, by gradstep's autograd.

        Its eigenvalues are the curvatures of the loss at ``w`` along its principal directions.

        Example:
            >>> QuadraticBowl(curvatures=(1.0, 4.0), angle=0.0).hessian(np.array([0.3, -2.0]))
            array([[1., 0.],
                   [0., 4.]])
        """
        point = gradstep.tensor(w, dtype=gradstep.float64)
        return gradstep.autograd.functional.hessian(self.loss, point).numpy()

    def largest_curvature(self, w: np.ndarray) -> float:
        """λ_max, the largest eigenvalue of the Hessian at ``w``: the steepest bend of the loss there."""
        return float(np.linalg.eigvalsh(self.hessian(w)).max())

    def value(self, w: np.ndarray) -> float:
        """The loss at the point ``w``, as a number."""
        with gradstep.no_grad():
            return self.loss(gradstep.tensor(w, dtype=gradstep.float64)).item()

    def grid(self, size: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W1, W2, L)``: a ``size`` × ``size`` grid over the drawn region and the loss on it."""
        w1, w2 = np.meshgrid(np.linspace(*self.x_range, size), np.linspace(*self.y_range, size))
        with gradstep.no_grad():
            losses = self.loss(gradstep.from_numpy(np.stack([w1, w2], axis=-1))).numpy()
        return w1, w2, losses


@dataclass
class QuadraticBowl(Surface):
    """L(w) = ½ wᵀAw: a bowl whose curvatures along its two axes are the eigenvalues of A.

    When one curvature is much larger than the other (an ill-conditioned bowl),
    gradient descent zig-zags across the steep direction and crawls along the
    flat one. Each step multiplies the distance along an axis of curvature λ by
    (1 − ηλ), so descent diverges once η > 2 / λ_max. ``angle`` (radians) turns
    the bowl so that neither axis lines up with a weight.

    Example:
        >>> bowl = QuadraticBowl(curvatures=(1.0, 4.0), angle=0.0)
        >>> bowl.value(np.array([1.0, 1.0])), bowl.largest_stable_lr
        (2.5, 0.5)
    """

    curvatures: tuple[float, float] = (1.0, 10.0)
    angle: float = math.pi / 6
    name: str = "quadratic bowl"
    x_range: tuple[float, float] = (-3.0, 3.0)
    y_range: tuple[float, float] = (-2.5, 2.5)

    @property
    def matrix(self) -> np.ndarray:
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        rotation = np.array([[cos, -sin], [sin, cos]])
        return rotation @ np.diag(self.curvatures) @ rotation.T

    @property
    def largest_stable_lr(self) -> float:
        return 2 / max(self.curvatures)

    def loss(self, w: Tensor) -> Tensor:
        a = gradstep.from_numpy(self.matrix)
        return 0.5 * ((w @ a) * w).sum(dim=-1)


@dataclass
class LogisticRegressionLoss(Surface):
    """The mean binary cross-entropy of a logistic regression σ(w1·x1 + w2·x2) on fixed data.

    The loss of a real (if tiny) model as a function of its only two weights.

    Example:
        >>> surface = LogisticRegressionLoss.generated(samples=100, seed=0)
        >>> round(surface.value(np.zeros(2)), 4)  # σ(0) = ½ for every sample: loss ln 2
        0.6931
    """

    inputs: np.ndarray
    labels: np.ndarray
    name: str = "logistic regression"
    x_range: tuple[float, float] = (-4.0, 6.0)
    y_range: tuple[float, float] = (-4.0, 6.0)

    @classmethod
    def generated(cls, samples: int = 200, seed: int = 0) -> LogisticRegressionLoss:
        """Two overlapping clouds of points labelled 0 and 1, with inputs of unequal scales.

        The second input is spread three times wider than the first, which makes
        the loss a long, narrow valley: the shape on which momentum helps.
        """
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 2, samples).astype(np.float64)
        centres = np.where(labels[:, None] == 1, [0.6, 0.5], [-0.6, -0.5])
        inputs = (centres + rng.normal(size=(samples, 2))) * [1.0, 3.0]
        return cls(inputs, labels)

    def loss(self, w: Tensor) -> Tensor:
        logits = w @ gradstep.from_numpy(self.inputs.T)  # (..., samples)
        targets = gradstep.from_numpy(np.broadcast_to(self.labels, tuple(logits.shape)).copy())
        per_sample = gradstep.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
        return per_sample.mean(dim=-1)
