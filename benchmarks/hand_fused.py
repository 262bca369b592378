"""The lesson's training step written by hand in NumPy: the floor an engine on NumPy can reach.

The same network (784-128-10, no bias, ReLU, LogSoftmax, NLLLoss with a mean), the same
data and the same update (SGD with momentum in PyTorch's form) as the lesson, with no
autograd and no tensor class: each product and each elementwise pass is one NumPy call
writing into a buffer allocated once per batch size (``out=``). ``speed.py`` times gradstep's
epoch against this one (the "× hand-fused NumPy" column), and tests/test_hand_fused.py
checks that both take the same steps, so the reference stays honest.

    step = HandFusedStep([w1, w2], lr=0.15, momentum=0.8)   # w1 (128, 784), w2 (10, 128), float32
    loss = step(x, y)                                        # x (B, 784) float32, y (B,) int64
"""
from __future__ import annotations

from typing import Callable

import numpy as np


class _Buffers:
    """Every array one step of batch size B writes, allocated once."""

    def __init__(self, batch: int, w1: np.ndarray, w2: np.ndarray) -> None:
        hidden, classes = w1.shape[0], w2.shape[0]
        self.hidden = np.empty((batch, hidden), w1.dtype)  # h = relu(x W1ᵀ)
        self.active = np.empty((batch, hidden), bool)  # where x W1ᵀ > 0
        self.scores = np.empty((batch, classes), w1.dtype)  # z = h W2ᵀ, then log-probabilities
        self.row = np.empty((batch, 1), w1.dtype)  # per-row max, then log Σ exp
        self.grad_hidden = np.empty((batch, hidden), w1.dtype)
        self.rows = np.arange(batch)


class HandFusedStep:
    """One SGD step of the lesson's network on a batch, in place on the weights ``w1``, ``w2``."""

    def __init__(self, weights: list[np.ndarray], lr: float, momentum: float,
                 use_threads_for: Callable[[int], None] = lambda multiply_adds: None) -> None:
        self.w1, self.w2 = weights
        self.lr, self.momentum = lr, momentum
        self.use_threads_for = use_threads_for  # sets the BLAS threads for a product (gradstep's policy in speed.py)
        self.grads = [np.empty_like(w) for w in weights]
        self.velocities: list[np.ndarray] | None = None  # PyTorch's momentum buffers, from the first step
        self.buffers: dict[int, _Buffers] = {}

    def __call__(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, w2 = self.w1, self.w2
        g1, g2 = self.grads
        if len(x) not in self.buffers:
            self.buffers[len(x)] = _Buffers(len(x), w1, w2)
        b = self.buffers[len(x)]
        rows = b.rows
        first_layer, second_layer = x.size * w1.shape[0], b.hidden.size * w2.shape[0]  # multiply-adds

        # forward: h = relu(x W1ᵀ), z = h W2ᵀ, log p = z − max − log Σ exp(z − max)
        self.use_threads_for(first_layer)
        np.matmul(x, w1.T, out=b.hidden)
        np.greater(b.hidden, 0, out=b.active)
        np.maximum(b.hidden, 0, out=b.hidden)
        self.use_threads_for(second_layer)
        z = np.matmul(b.hidden, w2.T, out=b.scores)
        np.max(z, axis=1, keepdims=True, out=b.row)
        z -= b.row
        log_probs = z
        np.log(np.exp(z).sum(axis=1, keepdims=True), out=b.row)
        log_probs -= b.row
        loss = -log_probs[rows, y].mean()

        # backward: ∂L/∂z = (softmax − onehot)/B, then the chain rule through both layers
        grad_scores = np.exp(log_probs, out=b.scores)
        grad_scores /= len(x)
        grad_scores[rows, y] -= 1 / len(x)
        np.matmul(grad_scores.T, b.hidden, out=g2)
        grad_hidden = np.matmul(grad_scores, w2, out=b.grad_hidden)
        grad_hidden *= b.active
        self.use_threads_for(first_layer)
        np.matmul(grad_hidden.T, x, out=g1)

        # SGD with momentum, PyTorch's form: v ← γ·v + g (v ← g on the first step), w ← w − η·v
        if self.velocities is None:
            self.velocities = [g.copy() for g in self.grads]
        else:
            for v, g in zip(self.velocities, self.grads):
                v *= self.momentum
                v += g
        for w, v, g in zip((w1, w2), self.velocities, self.grads):
            np.multiply(v, self.lr, out=g)  # g is free again: it holds η·v
            w -= g
        return float(loss)


def train_one_epoch(step: HandFusedStep, images: np.ndarray, labels: np.ndarray, order: np.ndarray,
                    batch_size: int) -> float:
    """One epoch over ``images[order]`` in batches, gathered as the sliced loop gathers them."""
    flat = images.reshape(len(images), -1)
    loss = float("nan")
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        loss = step(flat[index], labels[index])
    return loss
