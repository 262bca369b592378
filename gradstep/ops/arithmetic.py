"""+ - * / ** and negation, with broadcasting.

The engine sums each gradient back to its input's shape (``unbroadcast``), so the
backward of every op here is written as if no broadcasting happened. Each backward works
on arrays and on tensors (see ``backward_math``), so it can be differentiated again.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._signatures import accepts_out
from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .operands import as_dtype, broadcast_together, promoted


class Add(Function):
    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x + y

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return grad, grad  # ∂(x+y)/∂x = ∂(x+y)/∂y = 1


class Sub(Function):
    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x - y

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return grad, -grad  # ∂(x-y)/∂x = 1, ∂(x-y)/∂y = -1


class Mul(Function):
    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # Keep only what a needed gradient uses: a value that isn't saved may change in place freely.
        needs_x, needs_y = self.needs_input_grad
        self.save_for_backward(y if needs_x else None, x if needs_y else None)
        return x * y

    def backward(self, grad: Any) -> tuple[Any, Any]:
        y, x = self.saved_tensors
        grad_x = grad * y if self.needs_input_grad[0] else None  # ∂(xy)/∂x = y
        grad_y = grad * x if self.needs_input_grad[1] else None  # ∂(xy)/∂y = x
        return grad_x, grad_y


class Div(Function):
    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save_for_backward(x if self.needs_input_grad[1] else None, y)
        return x / y

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        grad_x = grad / y if self.needs_input_grad[0] else None  # ∂(x/y)/∂x = 1/y
        grad_y = -grad * x / (y * y) if self.needs_input_grad[1] else None  # ∂(x/y)/∂y = -x/y²
        return grad_x, grad_y


class Pow(Function):
    """y = x ** p for a number p."""

    def forward(self, x: np.ndarray, exponent: float) -> np.ndarray:
        if x.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        self.save_for_backward(x)
        self.exponent = exponent
        return x**exponent

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return backward_math.zeros_like(grad)
        return grad * p * x ** (p - 1)  # ∂(x^p)/∂x = p·x^(p-1)


class PowOfNumber(Function):
    """y = b ** x for a number b (as a 0-d array of x's dtype).

    ∂(bˣ)/∂x = bˣ·ln b, except for b = 0, where ln b = −∞: 0ˣ is flat (0 for x > 0, 1 at 0), and
    PyTorch calls its slope 0 wherever x ≥ 0. It keeps x for that, whatever b, and so does gradstep.
    """

    pytorch_name = "PowBackward2"

    def forward(self, x: np.ndarray, base: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # 0 ** −1 = inf, as in PyTorch; ln 0 = −inf, handled by the backward
            y = np.power(base, x)
            self.log_base = float(np.log(base))
        self.save_for_backward(x, y)
        self.base_is_zero = bool(base == 0)
        return y

    def backward(self, grad: Any) -> Any:
        x, y = self.saved_tensors
        if self.base_is_zero:
            with np.errstate(invalid="ignore"):  # 0 · ln 0 = nan where x > 0: replaced by 0 there
                slope = backward_math.where(x >= 0, backward_math.zeros_like(y), y * self.log_base)
            return grad * slope
        return grad * (y * self.log_base)


class PowOfTensors(Function):
    """z = x ** y, both tensors (broadcast): ∂z/∂x = y·x^(y−1), ∂z/∂y = z·ln x.

    Where PyTorch's formulas meet 0·∞ they take 0, and so does gradstep: the slope in x where
    y = 0 (x⁰ = 1 whatever x), and the slope in y where x = 0 and y ≥ 0.
    """

    pytorch_name = "PowBackward1"

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** −1 = inf, (−8) ** 0.5 = nan, as in PyTorch
            if x.dtype.kind in "iu" and (y < 0).any():
                # NumPy refuses; PyTorch gives 1/xⁿ rounded toward 0 (2 ** -1 = 0, (−1) ** −3 = −1).
                z = np.trunc(np.power(x.astype(np.float64), y)).astype(x.dtype)
            else:
                z = np.power(x, y)
        self.save_for_backward(x, y, z)
        return z

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y, z = self.saved_tensors
        y_is_zero, x_is_zero = backward_math.values(y) == 0, backward_math.values(x) == 0
        grad_x = grad_y = None
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** −1 and ln 0: replaced by 0 where PyTorch does
            if self.needs_input_grad[0]:
                grad_x = grad * backward_math.where(y_is_zero, backward_math.zeros_like(z), y * x ** (y - 1))
            if self.needs_input_grad[1]:
                grad_y = grad * backward_math.where(x_is_zero & (backward_math.values(y) >= 0),
                                                    backward_math.zeros_like(z), z * backward_math.log(x))
        return grad_x, grad_y


class Reciprocal(Function):
    """y = 1/x, for ``number / x``: ∂y/∂x = −1/x² = −y², from the saved output (x is not kept)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.reciprocal(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad: Any) -> Any:
        (y,) = self.saved_tensors
        return -grad * (y * y)


class Neg(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, grad: Any) -> Any:
        return -grad


@accepts_out
def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    return Add.apply(*broadcast_together("add", input, other if alpha == 1 else other * alpha))


@accepts_out
def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    return Sub.apply(*broadcast_together("sub", input, other if alpha == 1 else other * alpha))


@accepts_out
def mul(input: Any, other: Any) -> Tensor:
    return Mul.apply(*broadcast_together("mul", input, other))


@accepts_out
def div(input: Any, other: Any) -> Tensor:
    x, y = broadcast_together("div", input, other)
    if not x.dtype.is_floating_point:  # true division of integers gives floats
        x, y = as_dtype(x, _dtype.default_float), as_dtype(y, _dtype.default_float)
    return Div.apply(x, y)


def divide_number_by(number: Any, x: Tensor) -> Tensor:
    """``number / x`` as PyTorch computes it, (1/x) · number: its graph keeps 1/x rather than x,
    so changing x in place afterwards doesn't stop the backward, in either library."""
    if not x.dtype.is_floating_point:  # 2 / an integer tensor gives floats
        x = as_dtype(x, _dtype.default_float)
    return mul(Reciprocal.apply(x), number)


@accepts_out
def neg(input: Tensor) -> Tensor:
    return Neg.apply(input)


@accepts_out
def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """``input ** exponent``: a tensor to a number, a number to a tensor, or a tensor to a tensor (broadcast)."""
    if isinstance(exponent, Tensor) and isinstance(input, Tensor):
        return PowOfTensors.apply(*broadcast_together("pow", input, exponent))
    if isinstance(exponent, Tensor):
        base, x = promoted("pow", input, exponent)  # 2 ** int64 tensor stays int64, as in PyTorch
        return PowOfNumber.apply(x, base=base._array)
    if not isinstance(exponent, (int, float, np.number)):
        raise TypeError(f"pow(): the exponent must be a number, got {type(exponent).__name__}")
    x = promoted("pow", input, exponent)[0]
    return Pow.apply(x, exponent=exponent)
