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
        return float(self.curvatures_at(w)[-1])

    def newton_step(self, w: np.ndarray) -> np.ndarray:
        """One step of Newton's method, w ← w − H⁻¹∇L: the gradient rescaled by the curvature.

        Where descent takes the same η in every direction, Newton divides each direction's
        slope by its curvature, so on a quadratic bowl one step lands at the bottom.

        Example:
            >>> bowl = QuadraticBowl(curvatures=(1.0, 10.0))
            >>> np.round(bowl.newton_step(np.array([2.0, 1.0])), 12) + 0.0
            array([0., 0.])
        """
        return w - np.linalg.solve(self.hessian(w), self.gradient(w))

    def value(self, w: np.ndarray) -> float:
        """The loss at the point ``w``, as a number."""
        return float(self.values(w))

    def values(self, points: np.ndarray) -> np.ndarray:
        """The loss at each of ``points`` (shape ``(..., 2)``), computed in one go.

        Example:
            >>> QuadraticBowl(curvatures=(1.0, 4.0), angle=0.0).values(np.array([[1.0, 0.0], [0.0, 1.0]]))
            array([0.5, 2. ])
        """
        with gradstep.no_grad():
            return self.loss(gradstep.tensor(points, dtype=gradstep.float64)).numpy()

    def grid(self, size: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W1, W2, L)``: a ``size`` × ``size`` grid over the drawn region and the loss on it."""
        w1, w2 = np.meshgrid(np.linspace(*self.x_range, size), np.linspace(*self.y_range, size))
        return w1, w2, self.values(np.stack([w1, w2], axis=-1))

    def curvatures_at(self, w: np.ndarray) -> np.ndarray:
        """The curvatures of the loss at ``w``, smallest first: the eigenvalues of its Hessian there.

        A negative one means the surface bends down that way, as across a saddle.

        Example:
            >>> QuadraticBowl(curvatures=(1.0, 4.0)).curvatures_at(np.array([0.3, -2.0])).round(6)
            array([1., 4.])
        """
        return np.linalg.eigvalsh(self.hessian(w))

    def lowest_point(self, grid_size: int = 60, newton_steps: int = 20) -> np.ndarray:
        """Where the loss is lowest in the drawn region: the lowest point of a grid, polished by Newton's method.

        Newton's method jumps to where a quadratic fitted at w (its gradient and
        Hessian) is lowest, w ← w − H⁻¹∇L, and lands on the minimum in a few jumps
        once it is close to it. Where two minima are equally low, either is returned.

        Example:
            >>> Rosenbrock().lowest_point().round(6)
            array([1., 1.])
        """
        w1, w2, losses = self.grid(grid_size)
        row, column = np.unravel_index(losses.argmin(), losses.shape)
        w = np.array([w1[row, column], w2[row, column]])
        for _ in range(newton_steps):
            if np.abs(self.gradient(w)).max() < 1e-12:
                break
            w = self.newton_step(w)
        return w



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
class Rosenbrock(Surface):
    """L(w) = (a − w1)² + b(w2 − w1²)²: Rosenbrock's narrow, curved valley, lowest at (a, a²).

    The valley floor bends along the parabola w2 = w1²; across it the walls are
    steep (curvature about 1000 at the bottom for b = 100), along it the floor is
    nearly flat. A classic test for optimizers: descent must take tiny steps
    not to bounce off the walls, and then crawls along the floor.

    Example:
        >>> Rosenbrock().value(np.array([1.0, 1.0])), Rosenbrock().value(np.array([0.0, 0.0]))
        (0.0, 1.0)
    """

    a: float = 1.0
    b: float = 100.0
    name: str = "Rosenbrock's valley"
    x_range: tuple[float, float] = (-2.0, 2.0)
    y_range: tuple[float, float] = (-1.0, 3.0)

    def loss(self, w: Tensor) -> Tensor:
        w1, w2 = w[..., 0], w[..., 1]
        return (self.a - w1) ** 2 + self.b * (w2 - w1 ** 2) ** 2


@dataclass
class Saddle(Surface):
    """L(w) = ½w1² − ½w2² + ¼w2⁴: a saddle point at the origin between two valleys at w2 = ±1.

    At the saddle the gradient is zero, yet it is no minimum: the surface curves
    up along w1 and down along w2. A walk that starts near the ridge w2 = 0
    lingers where the gradient is tiny before it rolls into one of the valleys;
    one that starts exactly on it never leaves.

    Example:
        >>> Saddle().curvatures_at(np.zeros(2)).round(6), Saddle().value(np.array([0.0, 1.0]))
        (array([-1.,  1.]), -0.25)
    """

    name: str = "saddle between two valleys"
    x_range: tuple[float, float] = (-2.0, 2.0)
    y_range: tuple[float, float] = (-2.0, 2.0)

    def loss(self, w: Tensor) -> Tensor:
        w1, w2 = w[..., 0], w[..., 1]
        return 0.5 * w1 ** 2 - 0.5 * w2 ** 2 + 0.25 * w2 ** 4


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

    @classmethod
    def fashion_mnist(cls, samples: int = 200) -> LogisticRegressionLoss:
        """T-shirts (label 0) against trousers (label 1): the first ``samples`` of them in Fashion-MNIST's training set.

        Each image is measured twice: x1, its ink (mean pixel brightness) in the
        top half, and x2, in the bottom half; both are standardised to mean 0 and
        spread 1, so that no bias is needed. Trousers have ink in the bottom half
        where a T-shirt often ends, but the two measurements mostly rise
        together (a big garment has more of both), which makes the valley narrow.

        Example:
            >>> surface = LogisticRegressionLoss.fashion_mnist()  # doctest: +SKIP
            >>> surface.inputs.shape, surface.labels.mean()  # doctest: +SKIP
            ((200, 2), 0.5...)
        """
        from gradstep.datasets import FashionMNIST

        train_set = FashionMNIST(train=True)
        images, labels = train_set.data.numpy(), train_set.targets.numpy()
        chosen = np.flatnonzero(labels <= 1)[:samples]
        ink = images[chosen].astype(np.float64) / 255
        inputs = np.stack([ink[:, :14].mean(axis=(1, 2)), ink[:, 14:].mean(axis=(1, 2))], axis=1)
        inputs = (inputs - inputs.mean(axis=0)) / inputs.std(axis=0)
        return cls(inputs, labels[chosen].astype(np.float64), name="logistic regression on Fashion-MNIST",
                   x_range=(-3.0, 5.0), y_range=(-6.0, 2.0))

    def loss(self, w: Tensor) -> Tensor:
        logits = w @ gradstep.from_numpy(self.inputs.T)  # (..., samples)
        targets = gradstep.from_numpy(self.labels)
        if targets.shape != logits.shape:  # many points at once: the labels again for each
            targets = gradstep.from_numpy(np.broadcast_to(self.labels, tuple(logits.shape)).copy())
        per_sample = gradstep.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
        return per_sample.mean(dim=-1)
