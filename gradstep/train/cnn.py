"""A small convolutional network for Fashion-MNIST, built the same way on either engine.

Two blocks of convolution → batch norm → ReLU → 2×2 max pooling turn a 1×28×28 image into
64 feature maps of 7×7; a small fully connected head turns those into 10 log-probabilities.
About 170,000 weights, a fifth of the lesson's wider MLP, and far more accurate: each
convolution learns local patterns (edges, then parts of garments) wherever they appear.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

CHANNELS = (32, 64)
HIDDEN = 48
DROPOUT = 0.25
NUM_CLASSES = 10


def build_cnn(engine: ModuleType) -> Any:
    """The network, from ``engine.nn`` (``gradstep`` or ``torch``), ending in log-probabilities (use NLLLoss).

    Example:
        >>> import gradstep
        >>> model = build_cnn(gradstep)
        >>> model(gradstep.zeros(2, 1, 28, 28)).shape
        gradstep.Size([2, 10])
        >>> sum(p.numel() for p in model.parameters())
        170026
    """
    nn = engine.nn
    first, second = CHANNELS
    return nn.Sequential(
        # 1×28×28 → 32×14×14: edges and strokes. No bias: the batch norm after it has its own shift.
        nn.Conv2d(1, first, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(first), nn.ReLU(), nn.MaxPool2d(2),
        # 32×14×14 → 64×7×7: combinations of them, over a wider field of view.
        nn.Conv2d(first, second, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(second), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(DROPOUT),
        nn.Linear(second * 7 * 7, HIDDEN, bias=False), nn.BatchNorm1d(HIDDEN), nn.ReLU(), nn.Dropout(DROPOUT),
        nn.Linear(HIDDEN, NUM_CLASSES), nn.LogSoftmax(dim=1),
    )
