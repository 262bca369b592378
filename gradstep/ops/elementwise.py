"""Elementwise math: exp, log, sqrt, sin, cos, tan, abs, sign and rounding, clamp, maximum, minimum, where."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._signatures import accepts_out
from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .operands import broadcast_together, floating, promoted


class Exp(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return grad * y  # ∂eˣ/∂x = eˣ, which the forward pass already computed


class Log(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        return grad / x  # ∂ln(x)/∂x = 1/x


class Sqrt(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return grad / (2 * y)  # ∂√x/∂x = 1/(2√x)


class Sin(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        return grad * backward_math.cos(x)  # ∂sin(x)/∂x = cos(x)


class Cos(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        return -grad * backward_math.sin(x)  # ∂cos(x)/∂x = −sin(x)


class Tan(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.tan(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return grad * (1 + y * y)  # ∂tan(x)/∂x = 1/cos²(x) = 1 + tan²(x), from the saved output


class Abs(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        return grad * backward_math.sign(x)  # ∂|x|/∂x = sign(x), taken as 0 at 0


class Stepwise(Function):
    """sign, floor, ceil, round, trunc: flat between their jumps, so their gradient is 0 everywhere
    (PyTorch's too, the jumps included)."""

    def forward(self, x: np.ndarray, op: str, decimals: int = 0) -> np.ndarray:
        self.op, self.decimals = op, decimals
        if x.dtype.kind == "b" or x.dtype.kind in "iu" and op != "sign":
            return x.copy()  # whole numbers are their own floor, ceil, round and trunc; a bool its own sign
        if op == "round":
            return np.round(x, decimals)  # half to even, as PyTorch rounds
        return getattr(np, op)(x)

    def backward(self, grad: Any) -> Any:
        return backward_math.zeros_like(grad)

    def name(self) -> str:
        return f"{self.op.capitalize()}Backward{1 if self.op == 'round' and self.decimals else 0}"


class Clamp(Function):
    """y = min(max(x, low), high); the gradient passes where x lies inside [low, high]."""

    def forward(self, x: np.ndarray, low: Any, high: Any) -> np.ndarray:
        self.save_for_backward(x)  # x itself, as PyTorch saves it: changing x in place before backward is noticed
        self.low, self.high = low, high
        return np.clip(x, low, high)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        if self.low is not None:
            grad = grad * (x >= self.low)
        if self.high is not None:
            grad = grad * (x <= self.high)
        return grad


class Maximum(Function):
    """z = max(x, y) elementwise (or min, with ``largest=False``); on a tie each side gets half
    the gradient, as in PyTorch."""

    def forward(self, x: np.ndarray, y: np.ndarray, largest: bool = True) -> np.ndarray:
        self.save_for_backward(x, y)
        self.largest = largest
        return np.maximum(x, y) if largest else np.minimum(x, y)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        x_wins = (x > y) if self.largest else (x < y)
        share_x = backward_math.astype(x_wins + 0.5 * (x == y), grad.dtype)
        return grad * share_x, grad * (1 - share_x)

    def name(self) -> str:
        return "MaximumBackward0" if self.largest else "MinimumBackward0"


class Where(Function):
    """z = x where condition holds, else y."""

    def forward(self, x: np.ndarray, y: np.ndarray, condition: np.ndarray) -> np.ndarray:
        self.save_for_backward(condition)
        return np.where(condition, x, y)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        (condition,) = self.saved_tensors
        zero = backward_math.zeros_like(grad)
        return backward_math.where(condition, grad, zero), backward_math.where(condition, zero, grad)


@accepts_out
def exp(input: Tensor) -> Tensor:
    return Exp.apply(floating(input))


@accepts_out
def log(input: Tensor) -> Tensor:
    return Log.apply(floating(input))


@accepts_out
def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(floating(input))


@accepts_out
def sin(input: Tensor) -> Tensor:
    return Sin.apply(floating(input))


@accepts_out
def cos(input: Tensor) -> Tensor:
    return Cos.apply(floating(input))


@accepts_out
def tan(input: Tensor) -> Tensor:
    return Tan.apply(floating(input))


@accepts_out
def abs(input: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(input)


@accepts_out
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1: the sign of each element."""
    return Stepwise.apply(input, op="sign")


@accepts_out
def floor(input: Tensor) -> Tensor:
    return Stepwise.apply(input, op="floor")


@accepts_out
def ceil(input: Tensor) -> Tensor:
    return Stepwise.apply(input, op="ceil")


@accepts_out
def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """To the nearest whole number (or to ``decimals`` places), halves to even: round(2.5) = 2."""
    return Stepwise.apply(input, op="round", decimals=decimals)


@accepts_out
def trunc(input: Tensor) -> Tensor:
    """Toward zero: trunc(-1.7) = -1."""
    return Stepwise.apply(input, op="trunc")


@accepts_out
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    bounds = [b.item() if isinstance(b, Tensor) else b for b in (min, max)]
    x = promoted("clamp", input, *[b for b in bounds if b is not None])[0]
    return Clamp.apply(x, low=bounds[0], high=bounds[1])


clip = clamp


@accepts_out
def maximum(input: Tensor, other: Tensor) -> Tensor:
    return Maximum.apply(*broadcast_together("maximum", input, other))


@accepts_out
def minimum(input: Tensor, other: Tensor) -> Tensor:
    return Maximum.apply(*broadcast_together("minimum", input, other), largest=False)


@accepts_out
def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    """Pick from ``input`` where ``condition`` is True, else from ``other``."""
    if not isinstance(condition, Tensor) or condition._array.dtype != np.bool_:
        raise TypeError("where(): condition must be a bool tensor, e.g. x > 0")
    x, y = promoted("where", input, other)
    try:
        np.broadcast_shapes(condition._array.shape, x._array.shape, y._array.shape)
    except ValueError:
        raise RuntimeError(
            f"where(): shapes {tuple(condition.shape)}, {tuple(x.shape)} and {tuple(y.shape)} don't broadcast"
        ) from None
    return Where.apply(x, y, condition=condition._array)

