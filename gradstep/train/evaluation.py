"""Measure a trained model: loss, accuracy and which classes it confuses."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradstep.train.engines import engine_of
from gradstep.train.models import first_block


@dataclass(frozen=True)
class Evaluation:
    """The result of :func:`evaluate`.

    ``confusion_matrix[i, j]`` counts the samples of true class ``i`` that the
    model predicted as class ``j``: the diagonal holds the correct answers.
    """

    loss: float | None
    accuracy: float
    confusion_matrix: np.ndarray

    @property
    def samples(self) -> int:
        return int(self.confusion_matrix.sum())


def evaluate(model: Any, loader: Iterable, loss_fn: Callable | None = None, device: Any = None) -> Evaluation:
    """Run ``model`` over every batch of ``loader`` without tracking gradients.

    The loss is the average over samples, assuming ``loss_fn`` averages over its
    batch (the default of every PyTorch loss); it is None without a ``loss_fn``.
    The model is put in evaluation mode and given back in the mode it had.
    ``device`` is where the batches go (PyTorch's ``x.to(device)``); None leaves them as they are.

    Example:
        >>> import gradstep
        >>> from gradstep.utils.data import DataLoader, TensorDataset
        >>> _ = gradstep.manual_seed(0)
        >>> data = TensorDataset(gradstep.randn(8, 4), gradstep.tensor([0, 1] * 4))
        >>> result = evaluate(gradstep.nn.Linear(4, 2), DataLoader(data, batch_size=4))
        >>> result.confusion_matrix.shape, result.samples
        ((2, 2), 8)
    """
    engine = engine_of(model)
    was_training = model.training
    model.eval()
    loss_sum = 0.0
    true_labels, predicted_labels, class_count = [], [], 0
    try:
        with engine.no_grad():
            for images, labels in loader:
                if device is not None:
                    images, labels = images.to(device), labels.to(device)
                output = model(images)
                if loss_fn is not None:
                    loss_sum += loss_fn(output, labels).item() * len(labels)
                class_count = output.shape[1]
                true_labels.append(np.asarray(labels.cpu().numpy()))
                predicted_labels.append(np.asarray(output.argmax(1).cpu().numpy()))
    finally:
        model.train(was_training)
    if not true_labels:
        raise ValueError("the loader gave no batches to evaluate")
    matrix = confusion_matrix(np.concatenate(true_labels), np.concatenate(predicted_labels), class_count)
    samples = int(matrix.sum())
    return Evaluation(
        loss=loss_sum / samples if loss_fn is not None else None,
        accuracy=float(np.trace(matrix)) / samples,
        confusion_matrix=matrix,
    )


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Count each (true class, predicted class) pair.

    Example:
        >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2)
        array([[1, 0],
               [1, 1]])
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def predict_probabilities(model: Any, images: np.ndarray) -> np.ndarray:
    """Class probabilities for a batch of images given as a NumPy array, one row per image.

    The model's outputs go through a softmax, which turns raw scores into
    probabilities and leaves log-probabilities (the lesson's LogSoftmax) as the
    probabilities they stand for.

    Example:
        >>> import gradstep
        >>> probabilities = predict_probabilities(gradstep.nn.Linear(4, 3), np.ones((2, 4), np.float32))
        >>> probabilities.shape, bool(np.allclose(probabilities.sum(axis=1), 1))
        ((2, 3), True)
    """
    scores = np.asarray(_answer(model, model, images), dtype=np.float64)
    exponentials = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def feature_maps(model: Any, images: np.ndarray) -> np.ndarray:
    """What the first layer's units answer at every position of each image: the output of its first block.

    For a CNN, one map per first-layer kernel, bright where the kernel's pattern is
    (see :func:`~gradstep.train.models.first_block`).

    Example:
        >>> import gradstep
        >>> from gradstep.train.models import build_small_cnn
        >>> feature_maps(build_small_cnn(gradstep), np.zeros((2, 1, 28, 28), np.float32)).shape
        (2, 32, 28, 28)
    """
    return _answer(model, first_block(model), images)


def _answer(model: Any, layers: Any, images: np.ndarray) -> np.ndarray:
    """``layers`` (the model or its first part) applied to NumPy images, as ``model`` is used for testing.

    In evaluation mode, without tracking gradients, on the model's device; the
    model is given back in the mode it had.
    """
    engine = engine_of(model)
    was_training = model.training
    model.eval()
    try:
        with engine.no_grad():
            inputs = engine.from_numpy(np.ascontiguousarray(images)).to(next(model.parameters()).device)
            return np.asarray(layers(inputs).cpu().numpy())
    finally:
        model.train(was_training)
