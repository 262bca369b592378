"""The networks the training page can train, and how their first layer is drawn.

Each entry of :data:`NETWORKS` says what the network is called and how to
build it on an engine (``gradstep``). A new network is one more line.

Example:
    >>> import gradstep
    >>> model = NETWORKS["mlp"].build(gradstep, (32,))
    >>> first_layer_images(model).shape  # the first 16 of the 32 hidden units, each looking at 28×28 pixels
    (16, 28, 28)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from gradstep.train.lesson import build_model

IMAGE_SIDE = 28


@dataclass(frozen=True)
class Network:
    names: dict[str, str]
    """What the page calls it, in each of its languages."""
    build: Callable[[ModuleType, tuple[int, ...]], Any]
    """``build(engine, hidden_sizes)``: a fresh model whose output is one score per class."""
    takes_hidden_sizes: bool
    """Whether the page's "hidden layers" knob shapes it."""


NETWORKS: dict[str, Network] = {
    "mlp": Network({"en": "the lesson's MLP", "zh": "课程里的全连接网络（MLP）"}, build_model, True),
    "cnn": Network({"en": "a small CNN", "zh": "小型卷积网络（CNN）"}, lambda engine, hidden: build_model(engine, hidden, "cnn"),
                   False),
}


def first_layer_images(model: Any, count: int = 16) -> np.ndarray:
    """The first layer's weights of up to ``count`` units, each as the picture it responds to, shape (k, h, w).

    A unit of a first ``Linear`` layer has one weight per pixel: its 784 weights,
    laid out as 28×28, show which pixels push it up (positive) or down. A
    convolution's unit is its small kernel (the first input channel's).
    """
    weight = next(parameter for parameter in model.parameters() if parameter.ndim >= 2)
    values = np.asarray(weight.detach().numpy())[:count]
    if values.ndim == 4:  # convolution: (units, input channels, height, width)
        return values[:, 0]
    return values.reshape(len(values), IMAGE_SIDE, IMAGE_SIDE)
