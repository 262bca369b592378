"""The loss ops whose backward is simpler fused than composed.

``NLLLoss`` computes, for each sample i, a weighted negative log-likelihood

    Lᵢ = −Σⱼ aᵢⱼ · log pᵢⱼ

(and, with ``reduce``, their sum Σᵢ Lᵢ, so a mean or sum loss is one node, as in PyTorch)
where the coefficients a say which log-probabilities count and how much: for a plain
class-index target yᵢ, aᵢ is one-hot at yᵢ; class weights, label smoothing, ignored
samples and probability targets only change a. A one-hot a is kept by index
(``TargetCoefficients``): one number per sample instead of a row of mostly zeros.
Cross-entropy is this op after ``log_softmax``, two nodes as in PyTorch (see
``nn.functional.cross_entropy``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .indexing import IndexScatter

# PyTorch keeps BCE's denominator x(1 − x) at least 1e-12, a constant it stores as a float32:
# in float64 the floor is 9.999999960041972e-13, and the gradients at x = 0 or 1 show it.
_BCE_DENOMINATOR_FLOOR = float(np.float32(1e-12))


def _constant_like(reference: Any, array: np.ndarray) -> Any:
    """``array`` as a tensor without history when backward runs on tensors (``create_graph``)."""
    return Tensor._wrap(array) if isinstance(reference, Tensor) else array


class DenseCoefficients:
    """The coefficients a as an array of the scores' shape (classes along dim 1): for label smoothing."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def weighted_sum(self, log_probs: np.ndarray) -> np.ndarray:
        """Σⱼ aᵢⱼ · log pᵢⱼ for each sample; a class with aᵢⱼ = 0 counts 0 even where log p = −inf (masked logits)."""
        with np.errstate(invalid="ignore"):
            terms = self.matrix * log_probs
        return np.where(self.matrix != 0, terms, 0).sum(axis=1)

    def scaled_by(self, grad: Any, shape: tuple[int, ...]) -> Any:
        """gᵢ · aᵢⱼ, for a gradient g with one value per sample (or one for all samples)."""
        return backward_math.expand_dims(grad, (1,)) * _constant_like(grad, self.matrix)


class TargetCoefficients:
    """One-hot coefficients kept by index: aᵢⱼ = wᵢ where j = yᵢ, and 0 elsewhere.

    A sample i is a row of the scores (N, C), or one position of a row of maps (N, C, d1, …);
    ``labels`` has the samples' shape, (N,) or (N, d1, …); ``weights`` too, or it is one nonzero
    number for every sample (a NumPy scalar). The forward gathers
    each sample's log-probability at its target, log p[i, yᵢ]; the backward places each
    sample's gradient at its target class (``IndexScatter``, which is recorded in the graph when
    backward runs on tensors). No array of mostly zeros is built or read.

    >>> TargetCoefficients(np.array([2, 0]), np.array([0.5, 0.5])).weighted_sum(np.log(np.full((2, 3), 0.25)))
    array([-0.69314718, -0.69314718])
    """

    def __init__(self, labels: np.ndarray, weights: np.ndarray) -> None:
        if labels.ndim == 1:  # rows (N, C): np.arange is np.indices' answer here, made faster
            self.target_index = (np.arange(labels.shape[0]), labels)  # (i, yᵢ) for every sample i
        else:
            samples, *positions = np.indices(labels.shape, sparse=True)
            self.target_index = (samples, labels, *positions)
        self.weights = weights
        # Ignored samples, or a class of weight 0. One weight for all samples is never 0: it is 1/N or 1.
        self.some_weights_zero = weights.ndim > 0 and not weights.all()

    def weighted_sum(self, log_probs: np.ndarray) -> np.ndarray:
        """wᵢ · log p[i, yᵢ]; a sample of weight 0 (ignored) counts 0 even where log p = −inf."""
        picked = log_probs[self.target_index]
        if not self.some_weights_zero:
            return self.weights * picked
        return np.multiply(self.weights, picked, out=np.zeros_like(picked), where=self.weights != 0)

    def scaled_by(self, grad: Any, shape: tuple[int, ...]) -> Any:
        """gᵢ · wᵢ at (i, yᵢ), zeros elsewhere."""
        return IndexScatter.run(grad * _constant_like(grad, self.weights), index=self.target_index, shape=shape,
                                basic=True)


Coefficients = DenseCoefficients | TargetCoefficients


class NLLLoss(Function):
    """Lᵢ = −Σⱼ aᵢⱼ · xᵢⱼ, where x already holds log-probabilities (e.g. from log_softmax).

    x is (N, C) or (N, C, d1, …), the classes j along dim 1: a sample i is a row, or one
    position of a row of maps.
    """

    pytorch_name = "NllLossBackward0"
    keeps_indices = True  # the coefficients, an attribute: freed with the graph like saved tensors

    def forward(self, log_probs: np.ndarray, coefficients: Coefficients, reduce: bool) -> np.ndarray:
        # x is kept although the gradient doesn't read it, as PyTorch keeps it: changing it in place
        # before backward is then refused in both.
        self.save_for_backward(log_probs)
        self.coefficients, self.input_shape = coefficients, log_probs.shape
        losses = -coefficients.weighted_sum(log_probs)
        return losses.sum() if reduce else losses

    def backward(self, grad: Any) -> Any:
        _ = self.saved_tensors  # unpacked only for its check: x must not have changed in place since
        # ∂Lᵢ/∂xᵢⱼ = −aᵢⱼ: each sample's gradient at its classes (a summed loss's is one number for all)
        return self.coefficients.scaled_by(-grad, self.input_shape)


class BinaryCrossEntropy(Function):
    """L = −[y·log x + (1−y)·log(1−x)] for probabilities x, each log clamped at −100 as in PyTorch."""

    def forward(self, probs: np.ndarray, target: np.ndarray) -> np.ndarray:
        self.save_for_backward(probs, target)
        with np.errstate(divide="ignore"):  # log 0 = −inf is expected here: the clamp handles it
            log_p = np.maximum(np.log(probs), -100)
            log_not_p = np.maximum(np.log1p(-probs), -100)
        return -(target * log_p + (1 - target) * log_not_p)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        # ∂L/∂x = (x − y) / (x(1 − x)), with the denominator kept away from 0 as PyTorch does
        grad_x = grad * (x - y) / (x * (1 - x)).clip(min=_BCE_DENOMINATOR_FLOOR) if self.needs_input_grad[0] else None
        # ∂L/∂y = log(1 − x) − log x, unclamped as in PyTorch
        grad_y = grad * (backward_math.log(1 - x) - backward_math.log(x)) if self.needs_input_grad[1] else None
        return grad_x, grad_y


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid and BCE in one op, stable for any logit: L = (1−y)·x + w·softplus(−x).

    w = 1 + (pos_weight − 1)·y weights the positive class; ∂L/∂x = (1−y) + w·(σ(x) − 1),
    which is σ(x) − y when pos_weight is 1, and ∂L/∂y = −x + (pos_weight − 1)·softplus(−x).
    """

    def forward(self, logits: np.ndarray, target: np.ndarray, pos_weight: np.ndarray | None) -> np.ndarray:
        softplus_of_minus_x = np.log1p(np.exp(-np.abs(logits))) + np.maximum(-logits, 0)
        self.save_for_backward(logits, target, None if pos_weight is None else pos_weight - 1)
        if pos_weight is None:  # w = 1
            return (1 - target) * logits + softplus_of_minus_x
        return (1 - target) * logits + (1 + (pos_weight - 1) * target) * softplus_of_minus_x

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y, pos_weight_minus_1 = self.saved_tensors
        # w again from y (not saved from the forward pass): a second derivative needs its history
        grad_x = None
        if self.needs_input_grad[0] and pos_weight_minus_1 is None:
            grad_x = grad * (backward_math.sigmoid(x) - y)
        elif self.needs_input_grad[0]:
            log_weight = 1 + pos_weight_minus_1 * y
            grad_x = grad * ((1 - y) + log_weight * (backward_math.sigmoid(x) - 1))
        grad_y = None
        if self.needs_input_grad[1]:
            grad_y = -grad * x
            if pos_weight_minus_1 is not None:  # softplus(−x) = −log σ(x)
                grad_y = grad_y - grad * pos_weight_minus_1 * backward_math.log(backward_math.sigmoid(x))
        return grad_x, grad_y


class MSELoss(Function):
    """L = Σ (x − y)² / n over the elements (n = their count for a mean, 1 for a sum).

    ∂L/∂x = 2(x − y)/n and ∂L/∂y = −2(x − y)/n: the error, scaled.
    """

    pytorch_name = "MseLossBackward0"

    def forward(self, x: np.ndarray, y: np.ndarray, reduction: str) -> np.ndarray:
        self.save_for_backward(x, y)
        self.reduction, self.count = reduction, x.size
        squares = (x - y) ** 2
        if reduction == "none":
            return squares
        return squares.mean() if reduction == "mean" else squares.sum()

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        error = x - y
        scale = 2 / self.count if self.reduction == "mean" else 2
        grad_x = grad * error * scale
        return grad_x if self.needs_input_grad[0] else None, -grad_x if self.needs_input_grad[1] else None
