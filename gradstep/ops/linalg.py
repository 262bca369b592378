"""Matrix products: ``matmul`` (1-D, 2-D and batched), ``mm``, ``mv``, ``dot``, ``outer`` and ``linear``, a layer's y = x Wᵀ + b.

As in PyTorch, the operands of a product must have one dtype: a float64 input (NumPy's
default) into float32 weights is refused, not quietly promoted.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._signatures import accepts_out
from .._tensor import Tensor
from ..autograd.function import Function
from .blas_threads import use_threads_for


class MatMul(Function):
    """Z = X @ Y. With G = ∂L/∂Z: ∂L/∂X = G @ Yᵀ and ∂L/∂Y = Xᵀ @ G."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        needs_x, needs_y = self.needs_input_grad
        self.save_for_backward(x if needs_y else None, y if needs_x else None)
        self.x_is_vector, self.y_is_vector = x.ndim == 1, y.ndim == 1
        self.ndims = (x.ndim, y.ndim)
        self.multiply_adds = x.size * (y.size // max(y.shape[-2] if y.ndim > 1 else y.shape[0], 1))
        use_threads_for(self.multiply_adds)
        return x @ y

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        use_threads_for(self.multiply_adds)
        # A vector is a matrix with one row (on the left) or one column (on the right);
        # the formulas work with matrices and drop those dims again at the end.
        if self.y_is_vector:
            grad = grad[..., None]
        if self.x_is_vector:
            grad = grad[..., None, :]
        grad_x = grad_y = None
        if self.needs_input_grad[0]:
            y_matrix = y[:, None] if self.y_is_vector else y
            grad_x = grad @ y_matrix.swapaxes(-1, -2)
            grad_x = grad_x[..., 0, :] if self.x_is_vector else grad_x
        if self.needs_input_grad[1]:
            x_matrix = x[None, :] if self.x_is_vector else x
            grad_y = x_matrix.swapaxes(-1, -2) @ grad
            grad_y = grad_y[..., 0] if self.y_is_vector else grad_y
        return grad_x, grad_y

    def name(self) -> str:
        names = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0", (3, 3): "BmmBackward0"}
        return names.get(self.ndims, "MatmulBackward0")


class Linear(Function):
    """Y = X Wᵀ + b, one op so the backward computes only what is needed.

    With G = ∂L/∂Y: ∂L/∂X = G W, ∂L/∂W = Gᵀ X, ∂L/∂b = Σ over the batch of G.
    """

    def forward(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
        needs_x, needs_weight = self.needs_input_grad[:2]
        self.save_for_backward(x if needs_weight else None, weight if needs_x else None)
        self.multiply_adds = x.size * weight.shape[0]
        use_threads_for(self.multiply_adds)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    def backward(self, grad: Any) -> tuple[Any, ...]:
        x, weight = self.saved_tensors
        use_threads_for(self.multiply_adds)
        grad_x = grad @ weight if self.needs_input_grad[0] else None
        # Inputs of shape (..., in) are a batch of rows: flatten the leading dims into one.
        rows_grad = grad.reshape(-1, grad.shape[-1])
        grad_weight = rows_grad.T @ x.reshape(-1, x.shape[-1]) if self.needs_input_grad[1] else None
        if len(self.needs_input_grad) == 2:
            return grad_x, grad_weight
        grad_bias = rows_grad.sum(axis=0) if self.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias

    def name(self) -> str:
        return "AddmmBackward0" if len(self.needs_input_grad) == 3 else "MmBackward0"


def _check_matmul_shapes(x: Tensor, y: Tensor) -> None:
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {x.ndim}D and {y.ndim}D"
        )
    inner_x = x.shape[-1]
    inner_y = y.shape[0] if y.ndim == 1 else y.shape[-2]
    batch_ok = True
    try:
        np.broadcast_shapes(tuple(x.shape[:-2]), tuple(y.shape[:-2]))
    except ValueError:
        batch_ok = False
    if inner_x != inner_y or not batch_ok:
        raise RuntimeError(
            f"matmul: shapes {tuple(x.shape)} and {tuple(y.shape)} cannot be multiplied "
            + (f"(inner sizes {inner_x} and {inner_y} differ)" if inner_x != inner_y else "(batch dims don't broadcast)")
        )


def _check_same_dtype(op: str, **operands: Tensor | None) -> None:
    present = {name: tensor for name, tensor in operands.items() if tensor is not None}
    dtypes = {tensor.dtype for tensor in present.values()}
    if len(dtypes) > 1:
        listed = ", ".join(f"{name} {_dtype.scalar_type_name(tensor.dtype)}" for name, tensor in present.items())
        hint = " (a float64 tensor often comes from NumPy: convert it with .float())" if _dtype.float64 in dtypes else ""
        raise RuntimeError(f"{op}: the operands must have the same dtype, but got {listed}{hint}")


@accepts_out
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy's (and PyTorch's) rules for 1-D and batched operands."""
    for name, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(f"matmul(): {name} must be a Tensor, got {type(value).__name__}")
    _check_same_dtype("matmul", input=input, other=other)
    _check_matmul_shapes(input, other)
    return MatMul.apply(input, other)


def _check_ndim(ndim: int, what: str, **operands: Any) -> None:
    """PyTorch's error for an operand of mm (a matrix) or bmm (a 3D tensor) with another number of dims."""
    for name, value in operands.items():
        if not isinstance(value, Tensor) or value.ndim != ndim:
            raise RuntimeError(f"{name} must be {what}" + (f" (got {value.ndim}-D)" if isinstance(value, Tensor) else ""))


@accepts_out
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix times matrix, both 2-D."""
    _check_ndim(2, "a matrix", self=input, mat2=mat2)
    return matmul(input, mat2)


@accepts_out
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """A batch of matrix products: (b, n, k) @ (b, k, m) → (b, n, m)."""
    _check_ndim(3, "a 3D tensor", batch1=input, batch2=mat2)
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm(): batch1 and batch2 must have the same batch size, got {input.shape[0]} and {mat2.shape[0]}")
    return matmul(input, mat2)


@accepts_out
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (2-D) times vector (1-D)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv(): vector + matrix @ vector expected, got a {input.ndim}-D matrix and a {vec.ndim}-D vector")
    return matmul(input, vec)


@accepts_out
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Σᵢ xᵢ·yᵢ of two 1-D tensors of one length."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.numel() != tensor.numel():
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.numel()}] and src [{tensor.numel()}] to "
                           f"have the same number of elements, but got {input.numel()} and {tensor.numel()} elements respectively")
    return matmul(input, tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The matrix xᵢ·yⱼ of two 1-D tensors (every product of one element of each)."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer(): 1D tensors expected, but got {input.ndim}D and {vec2.ndim}D tensors")
    return input.reshape(-1, 1) * vec2


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, with ``weight`` of shape (out_features, in_features).

    >>> import gradstep
    >>> linear(gradstep.ones(2, 3), gradstep.ones(4, 3)).shape
    gradstep.Size([2, 4])
    """
    if weight._array.ndim != 2 or input._array.shape[-1:] != weight._array.shape[-1:]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} doesn't fit weight of shape {tuple(weight.shape)} "
            f"(expected input (..., {weight.shape[-1]}))"
        )
    # Compared here on the arrays first: linear runs for every layer of every step; the helper only says what differs.
    if input._array.dtype != weight._array.dtype or bias is not None and bias._array.dtype != weight._array.dtype:
        _check_same_dtype("linear", input=input, weight=weight, bias=bias)
    return Linear.apply(input, weight) if bias is None else Linear.apply(input, weight, bias)
