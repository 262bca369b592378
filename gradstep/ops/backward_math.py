"""The math that backward formulas use, for NumPy arrays and for tensors alike.

A backward formula runs in two settings. For first derivatives (``loss.backward()``) it
gets NumPy arrays and should be as fast as plain NumPy. With ``create_graph=True`` it gets
tensors, and every step it takes is recorded, so that its result can be differentiated
again (a second derivative, a Hessian-vector product). Operators (``*``, ``/``, ``@``) and
methods both types share (``.reshape``, ``.sum(axis=..., keepdims=...)``, indexing) work on
either already; the functions here cover the rest, each choosing NumPy or gradstep by the
type of its argument. So each formula is written once::

    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * backward_math.exp(y)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor


def values(x: Any) -> np.ndarray:
    """The numbers of an array or a tensor, for a mask that is a constant of the formula (no gradient flows through it)."""
    return x._array if isinstance(x, Tensor) else x


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def tanh(x: Any) -> Any:
    return x.tanh() if isinstance(x, Tensor) else np.tanh(x)


def sign(x: Any) -> Any:
    """-1, 0 or 1 elementwise, in x's dtype; it has no gradient (its derivative is 0 almost everywhere)."""
    if isinstance(x, Tensor):
        return Tensor._wrap(np.sign(x._array))
    return np.sign(x)


def sigmoid(x: Any) -> Any:
    return activation.sigmoid(x) if isinstance(x, Tensor) else activation.stable_sigmoid(x)


def softmax(x: Any, axis: int) -> Any:
    if isinstance(x, Tensor):
        return activation.softmax(x, axis)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def where(condition: Any, x: Any, y: Any) -> Any:
    """``x`` where ``condition`` holds, else ``y``; the condition is a constant bool array or tensor."""
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        mask = condition if isinstance(condition, Tensor) else Tensor._wrap(condition)
        return elementwise.where(mask, x, y)
    return np.where(condition, x, y)


def astype(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype`` (a NumPy or a gradstep dtype)."""
    target = _dtype.to_dtype(dtype)
    return x.to(target) if isinstance(x, Tensor) else x.astype(target.numpy)


def permute(x: Any, dims: tuple[int, ...]) -> Any:
    return x.permute(*dims) if isinstance(x, Tensor) else x.transpose(dims)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    return x.expand(*shape) if isinstance(x, Tensor) else np.broadcast_to(x, shape)


def expand_dims(x: Any, axes: tuple[int, ...]) -> Any:
    """``x`` with size-1 dims inserted at ``axes`` (positions in the result)."""
    shape = list(x.shape)
    for axis in sorted(axes):
        shape.insert(axis, 1)
    return x.reshape(tuple(shape))


def mean(x: Any, dims: tuple[int, ...]) -> Any:
    """The mean over ``dims``, kept as size-1 dims so that it broadcasts against x."""
    return x.mean(dim=dims, keepdim=True) if isinstance(x, Tensor) else x.mean(axis=dims, keepdims=True)


def zeros_like(x: Any) -> Any:
    """Zeros of x's shape and dtype: a constant, with no history."""
    return Tensor._wrap(np.zeros_like(x._array)) if isinstance(x, Tensor) else np.zeros_like(x)


# The ops these formulas call on tensors are built on this module: imported last, used at call time.
from . import activation, elementwise  # noqa: E402
