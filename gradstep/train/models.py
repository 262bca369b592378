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

import numpy as np

IMAGE_SIDE = 28
IMAGE_SIZE = IMAGE_SIDE * IMAGE_SIDE
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


def first_layer_weight(model: Any) -> Any:
    """The weight of the model's first layer: the first parameter with two dims or more (biases have one).

    (units, 784) for the MLP's first ``Linear``, (kernels, input channels, h, w) for a convolution.
    """
    return next(parameter for parameter in model.parameters() if parameter.ndim >= 2)


def first_layer_images(model: Any, count: int = 16) -> np.ndarray:
    """The first layer's weights of up to ``count`` units, each as the picture it responds to, shape (k, h, w).

    A unit of a first ``Linear`` layer has one weight per pixel: its 784 weights,
    laid out as 28×28, show which pixels push it up (positive) or down. A
    convolution's unit is its small kernel (the first input channel's).

    Example:
        >>> import gradstep
        >>> first_layer_images(build_mlp(gradstep, hidden=(32,))).shape  # 16 of the 32 units, 28×28 pixels each
        (16, 28, 28)
        >>> first_layer_images(build_small_cnn(gradstep), count=32).shape  # the 32 kernels of 3×3
        (32, 3, 3)
    """
    values = np.asarray(first_layer_weight(model).detach().cpu().numpy())[:count]
    if values.ndim == 4:  # convolution: (units, input channels, height, width)
        return values[:, 0]
    return values.reshape(len(values), IMAGE_SIDE, IMAGE_SIDE)


def first_block(model: Any) -> Any:
    """The layers of a ``Sequential`` model up to its first ReLU: what the first layer's units answer.

    For the CNN: the first convolution, its batch norm and the ReLU, whose output
    (one feature map per kernel) shows where in an image each kernel's pattern is.
    The ReLU is found by its class name, which both engines share.

    Example:
        >>> import gradstep
        >>> first_block(build_small_cnn(gradstep))(gradstep.zeros(2, 1, 28, 28)).shape
        gradstep.Size([2, 32, 28, 28])
    """
    ends = next(index for index, layer in enumerate(model) if type(layer).__name__ == "ReLU")
    return model[:ends + 1]
