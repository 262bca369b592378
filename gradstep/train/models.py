"""The networks ``gradstep train --model NAME`` can train, by name.

A builder takes the engine (``gradstep`` or ``torch``) and the hidden sizes
given with ``--hidden``, and returns a model for 1x28x28 images that outputs
log-probabilities of the 10 classes (the loss is ``NLLLoss``). Adding a network
is one line in ``MODELS``.

Checkpoints and weight files record the model's name, so ``gradstep eval``
rebuilds the same network.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

IMAGE_SIZE = 28 * 28
NUM_CLASSES = 10
MAX_PARAMETERS = 50_000_000
"""The largest network a builder makes: 200 MB of float32 weights, four times that while training with Adam."""


class ModelTooLarge(ValueError):
    """The network asked for has more weights than :data:`MAX_PARAMETERS`; refused before allocating any."""


def build_mlp(engine: ModuleType, hidden: tuple[int, ...] = (128,)) -> Any:
    """The lesson's network: flatten the image, hidden Linear+ReLU layers, 10 log-probabilities.

    Example:
        >>> import gradstep
        >>> build_mlp(gradstep, hidden=(128,))  # doctest: +NORMALIZE_WHITESPACE
        Sequential(
          (0): Flatten(start_dim=1, end_dim=-1)
          (1): Linear(in_features=784, out_features=128, bias=False)
          (2): ReLU()
          (3): Linear(in_features=128, out_features=10, bias=False)
          (4): LogSoftmax(dim=1)
        )
        >>> build_mlp(gradstep, hidden=(100_000, 100_000))
        Traceback (most recent call last):
          ...
        gradstep.train.models.ModelTooLarge: a 784-100000-100000-10 network has 10,079,400,000 weights, more than the 50,000,000 gradstep train builds
    """
    sizes = [IMAGE_SIZE, *hidden, NUM_CLASSES]
    weights = sum(math.prod(pair) for pair in zip(sizes, sizes[1:]))
    if weights > MAX_PARAMETERS:
        raise ModelTooLarge(f"a {'-'.join(map(str, sizes))} network has {weights:,} weights, "
                            f"more than the {MAX_PARAMETERS:,} gradstep train builds")
    nn = engine.nn
    layers = [nn.Flatten()]
    for inputs, outputs in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(inputs, outputs, bias=False), nn.ReLU()]
    layers += [nn.Linear(sizes[-2], NUM_CLASSES, bias=False), nn.LogSoftmax(dim=1)]
    return nn.Sequential(*layers)


def build_small_cnn(engine: ModuleType, hidden: tuple[int, ...] = ()) -> Any:
    """The small convolutional network of ``gradstep.train.cnn`` (``--hidden`` shapes only the MLP).

    Example:
        >>> import gradstep
        >>> build_small_cnn(gradstep)(gradstep.zeros(2, 1, 28, 28)).shape
        gradstep.Size([2, 10])
    """
    from gradstep.train.cnn import build_cnn

    return build_cnn(engine)


MODELS: dict[str, Callable[[ModuleType, tuple[int, ...]], Any]] = {
    "mlp": build_mlp,
    "cnn": build_small_cnn,
}
"""``--model`` names and the builder each one calls."""
