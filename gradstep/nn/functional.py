"""``gradstep.nn.functional``: layers and losses as plain functions.

The losses follow PyTorch's definitions exactly, including ``weight``, ``ignore_index``,
``label_smoothing`` and ``reduction``, so their values and gradients match step for step.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from .._tensor import Tensor
from ..ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from ..ops.activation_variants import elu, gelu, leaky_relu, silu
from ..ops.conv import conv1d, conv2d, fold, pad, unfold
from ..ops.linalg import linear
from ..ops.loss import (
    BinaryCrossEntropy, BinaryCrossEntropyWithLogits, Coefficients, DenseCoefficients, MSELoss, NLLLoss,
    TargetCoefficients,
)
from ..ops.normalization import batch_norm
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.operands import promoted
from ..random import numpy_rng

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "dropout",
    "one_hot", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
    "conv1d", "conv2d", "pad", "unfold", "fold", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm",
    "dropout2d",
]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the survivors by 1/(1−p), so the expected value is unchanged."""
    return _drop(input, p, training, input._array.shape)


def _drop(input: Tensor, p: float, training: bool, mask_shape: tuple[int, ...]) -> Tensor:
    """Multiply ``input`` by a random mask of ``mask_shape``: 0 with probability p, else 1/(1−p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    keep = numpy_rng(None).random(mask_shape) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return input * Tensor._wrap((keep * scale).astype(input._array.dtype))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: each (n, c) feature map is dropped with probability p, the rest scaled by 1/(1−p).

    Neighbouring pixels of a feature map are strongly correlated, so dropping single pixels
    hardly regularises a convolutional layer; dropping whole maps does.
    """
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d(): expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), as PyTorch does", UserWarning, stacklevel=2,
        )
    return _drop(input, p, training, (*input._array.shape[:2], *[1] * (input.ndim - 2)))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape) → int64 vectors with a single 1, in a new last dimension."""
    labels = _class_indices(tensor, "one_hot")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    _check_class_range(labels, num_classes, ignore_index=None)
    return Tensor._wrap(np.eye(num_classes, dtype=np.int64)[labels])


def _class_indices(target: Tensor, function: str) -> np.ndarray:
    if not isinstance(target, Tensor):
        raise TypeError(f"{function}(): target must be a Tensor of class indices, got {type(target).__name__}")
    if target._array.dtype.kind == "f":
        raise RuntimeError(
            f"{function}(): expected the target to hold class indices (int64), got {target.dtype}; "
            "call target.long() first"
        )
    if target._array.dtype.kind not in "iu":
        raise RuntimeError(f"{function}(): target must hold class indices (int64), got {target.dtype}")
    return target._array


def _check_class_range(labels: np.ndarray, num_classes: int, ignore_index: int | None) -> bool:
    """Raise if a label is neither a class nor ``ignore_index``; True when every label is a class."""
    # The common case, checked with one reduction: seen as unsigned, a negative label is huge.
    if labels.size == 0 or np.maximum.reduce(labels.view(f"u{labels.itemsize}"), axis=None) < num_classes:
        return True
    counted = labels if ignore_index is None else labels[labels != ignore_index]
    bad = counted[(counted < 0) | (counted >= num_classes)]
    if bad.size:
        position = int(np.flatnonzero(labels == bad[0])[0])
        raise IndexError(
            f"Target {int(bad[0])} is out of bounds: there are {num_classes} classes (0 to {num_classes - 1}); "
            f"found at position {position} of the target"
        )
    return False


def _batched(input: Tensor, target: Tensor, function: str) -> tuple[Tensor, Tensor, tuple[int, ...]]:
    """Scores (C,), (N, C) or (N, C, d1, ...) and their targets → scores with a batch dim, the targets
    flat (M,), and the batch shape (N, d1, ...) of the losses.

    The scores stay the input itself, or a view of it: the loss op keeps that tensor, as PyTorch does.
    """
    ndim = input._array.ndim
    if ndim == 1:  # one unbatched sample
        return input.unsqueeze(0), target.reshape(1), ()
    if ndim == 0:
        raise ValueError(f"{function}(): input must have a class dimension, got a 0-d tensor")
    scores_shape = input._array.shape
    batch_shape = (scores_shape[0], *scores_shape[2:])
    if target._array.shape != batch_shape:
        raise ValueError(
            f"{function}(): expected target of shape {batch_shape} for input of shape {tuple(input.shape)}, "
            f"got target of shape {tuple(target.shape)}"
            + (f" (batch sizes {input.shape[0]} and {target.shape[0]} differ)" if target.ndim and target.shape[0] != input.shape[0] else "")
        )
    return input, target if target._array.ndim == 1 else ops.reshape(target, -1), batch_shape


def _nll_coefficients(
    labels: np.ndarray, scores_shape: tuple[int, ...], dtype: np.dtype, weight: Tensor | None, ignore_index: int,
    label_smoothing: float, reduction: str, all_classes: bool,
) -> tuple[Coefficients, np.ndarray]:
    """The coefficients a of Lᵢ = −Σⱼ aᵢⱼ log pᵢⱼ, and the total weight Σᵢ w_yᵢ of the samples counted.

    The coefficients come in the scores' layout. ``labels`` holds one class per sample, flat; the scores are (N, C) or (N, C, d1, …).
    A 'mean' is PyTorch's weighted mean Σᵢ Lᵢ / Σᵢ w_yᵢ, folded into the coefficients. ``all_classes``:
    every label is a class (none is out of range, such as the default ``ignore_index`` −100).
    """
    num_classes, samples_shape = scores_shape[1], (scores_shape[0], *scores_shape[2:])
    if all_classes and weight is None and not label_smoothing and not 0 <= ignore_index < num_classes:
        # The lesson's case, every sample counted with weight 1: one coefficient for all of them,
        # 1/N for a mean (the same number the general rule below gives each sample).
        total_weight = dtype.type(labels.size)
        share = dtype.type(1) / total_weight if reduction == "mean" and labels.size else dtype.type(1)
        return TargetCoefficients(labels.reshape(samples_shape), share), total_weight
    counted = labels != ignore_index
    safe_labels = np.where(counted, labels, 0)
    class_weight = np.ones(num_classes, dtype=dtype) if weight is None else weight._array.astype(dtype)
    sample_weight = counted.astype(dtype) if weight is None else class_weight[safe_labels] * counted
    total_weight = sample_weight.sum()
    divisor = total_weight if reduction == "mean" and total_weight != 0 else 1
    if not label_smoothing:  # one-hot: kept by index
        return TargetCoefficients(safe_labels.reshape(samples_shape),
                                  (sample_weight / divisor).reshape(samples_shape)), total_weight
    coefficients = np.zeros((labels.shape[0], num_classes), dtype=dtype)
    coefficients[np.arange(labels.shape[0]), safe_labels] = (1 - label_smoothing) * sample_weight
    # Smoothing spreads ε of the target over all classes: ε/C·Σⱼ wⱼ·(−log pᵢⱼ).
    coefficients += (label_smoothing / num_classes) * class_weight * counted[:, np.newaxis]
    # one row per sample (N·d1·…, C) → the scores' layout (N, C, d1, …)
    coefficients = np.moveaxis(coefficients.reshape(*samples_shape, num_classes), -1, 1)
    return DenseCoefficients(coefficients / divisor), total_weight


def _weighted_nll(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
    reduction: str, label_smoothing: float, function: str, logits: bool,
) -> Tensor:
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"{function}(): input must be floating point, got {input.dtype}")
    if logits:
        # Cross-entropy is the NLL of log_softmax, two ops as in PyTorch: log_softmax keeps its
        # result for the backward, not the logits, so they may change in place afterwards.
        input = log_softmax(input, 1 if input.ndim > 1 else 0)
    scores, flat_target, batch_shape = _batched(input, target, function)
    labels = _class_indices(flat_target, function)
    num_classes = scores._array.shape[1]
    if weight is not None and tuple(weight.shape) != (num_classes,):
        raise ValueError(f"{function}(): weight must have shape ({num_classes},), got {tuple(weight.shape)}")
    all_classes = _check_class_range(labels, num_classes, ignore_index)
    coefficients, total_weight = _nll_coefficients(
        labels, scores._array.shape, scores._array.dtype, weight, ignore_index, label_smoothing, reduction, all_classes)
    if reduction == "none":
        return NLLLoss.apply(scores, coefficients=coefficients, reduce=False).reshape(batch_shape)
    loss = NLLLoss.apply(scores, coefficients=coefficients, reduce=True)
    if reduction == "mean" and total_weight == 0:
        # Nothing counted (every target ignored, or no samples): the mean is 0/0 = nan, as in
        # PyTorch, while the gradient stays 0 — adding a constant passes it through unchanged.
        return loss + float("nan")
    return loss


def nll_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood of the target classes, for log-probabilities (the output of log_softmax)."""
    return _weighted_nll(input, target, weight, ignore_index, reduction, 0.0, "nll_loss", logits=False)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of raw scores (logits) against class indices or class probabilities.

    >>> import gradstep
    >>> cross_entropy(gradstep.zeros(2, 4), gradstep.tensor([0, 3]))
    tensor(1.3863)
    """
    if isinstance(target, Tensor) and target.dtype.is_floating_point and target.shape == input.shape:
        return _soft_target_cross_entropy(input, target, weight, reduction, label_smoothing)
    return _weighted_nll(input, target, weight, ignore_index, reduction, label_smoothing, "cross_entropy", logits=True)


def _soft_target_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None, reduction: str, label_smoothing: float
) -> Tensor:
    """Targets that are class probabilities: Lᵢ = −Σⱼ wⱼ·tᵢⱼ·log pᵢⱼ, classes along dim 1."""
    _check_reduction(reduction)
    class_dim = 1 if input.ndim > 1 else 0
    num_classes = input.shape[class_dim]
    probs = target._array * (1 - label_smoothing) + label_smoothing / num_classes
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = num_classes
        probs = probs * weight._array.reshape(shape)
    losses = -(log_softmax(input, class_dim) * Tensor._wrap(probs.astype(input._array.dtype))).sum(class_dim)
    return _reduce(losses, reduction)


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """−[y·log x + (1−y)·log(1−x)] for probabilities x in [0, 1] (e.g. after a sigmoid)."""
    _check_reduction(reduction)
    x, y = _matching_pair(input, target, "binary_cross_entropy")
    if np.any((x._array < 0) | (x._array > 1)):
        raise RuntimeError(
            "binary_cross_entropy(): all elements of input should be between 0 and 1 "
            "(apply a sigmoid first, or use binary_cross_entropy_with_logits)"
        )
    loss = BinaryCrossEntropy.apply(x, y)
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None
) -> Tensor:
    """BCE of sigmoid(input), computed from the logits directly so it never overflows."""
    _check_reduction(reduction)
    x, y = _matching_pair(input, target, "binary_cross_entropy_with_logits")
    pos_weight_array = None if pos_weight is None else pos_weight._array.astype(x._array.dtype)
    loss = BinaryCrossEntropyWithLogits.apply(x, y, pos_weight=pos_weight_array)
    return _reduce(loss if weight is None else loss * weight, reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean of (input − target)²."""
    _check_reduction(reduction)
    x, y = _matching_pair(input, target, "mse_loss")
    return MSELoss.apply(x, y, reduction=reduction)


def _matching_pair(input: Tensor, target: Tensor, function: str) -> tuple[Tensor, Tensor]:
    if not isinstance(target, Tensor):
        raise TypeError(f"{function}(): target must be a Tensor, got {type(target).__name__}")
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{function}(): target shape {tuple(target.shape)} must match input shape {tuple(input.shape)}"
        )
    return tuple(promoted(function, input, target))  # type: ignore[return-value]

