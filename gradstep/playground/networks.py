"""The networks the training page can train.

Each entry of :data:`NETWORKS` says what the network is called and how to
build it on an engine (``gradstep``). A new network is one more line.

Example:
    >>> import gradstep
    >>> NETWORKS["mlp"].build(gradstep, (32,))[1]
    Linear(in_features=784, out_features=32, bias=False)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from gradstep.train.lesson import build_model


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

