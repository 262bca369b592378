"""Vector and matrix norms: ``norm``, ``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm``.

The p-norm of a vector is ‖x‖ₚ = (Σ |xᵢ|ᵖ)^(1/p); ‖x‖₂ is its length, ‖x‖₁ the sum of the
absolute values, ‖x‖∞ the largest absolute value.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from .._signatures import accepts_numpy_names
from .._tensor import Tensor
from ..autograd.function import Function
from .operands import normalize_dims


class LinalgVectorNorm(Function):
    """y = ‖x‖ₚ over ``dims``.

    ∂y/∂xᵢ = xᵢ·|xᵢ|ᵖ⁻² / yᵖ⁻¹, which is xᵢ/y for p = 2 and sign(xᵢ) for p = 1. Where
    y = 0 (all of x is 0) the gradient is taken as 0, as in PyTorch; for p = ±∞ only the
    largest (smallest) |xᵢ| counts, shared evenly on a tie; p = 0 counts the nonzero
    elements and has no gradient.
    """

    def forward(self, x: np.ndarray, ord: float, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        self.ord, self.kept_shape = ord, tuple(1 if d in dims else size for d, size in enumerate(x.shape))
        magnitude = np.abs(x)
        if ord == 2:
            y = np.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
            self.save_for_backward(x, y)
        elif math.isinf(ord):
            y = (magnitude.max if ord > 0 else magnitude.min)(axis=dims, keepdims=True)
            chosen = magnitude == y
            # Constants of the op: which elements are the extreme ones, and their signs.
            self.save_for_backward(np.sign(x) * chosen / chosen.sum(axis=dims, keepdims=True))
            y = y if keepdim else y.squeeze(dims)
        elif ord == 0:
            y = (x != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)  # a count: no gradient, as in PyTorch
        elif ord == 1:
            y = magnitude.sum(axis=dims, keepdims=keepdim)
            self.save_for_backward(np.sign(x))
        else:
            y = (magnitude**ord).sum(axis=dims, keepdims=keepdim) ** (1 / ord)
            self.save_for_backward(x, y)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        if self.ord == 0:
            return None
        saved = self.saved_tensors
        grad = grad.reshape(self.kept_shape)
        if len(saved) == 1:  # ±∞ and 1: a constant slope per element
            (slope,) = saved
            return grad * slope
        x, y = saved
        y = y.reshape(self.kept_shape)
        y_or_one = y + (y == 0)  # avoids 0/0 where the whole vector is 0; x is 0 there too
        if self.ord == 2:
            return grad * x / y_or_one
        p = self.ord
        return grad * x * (x * x) ** ((p - 2) / 2) / y_or_one ** (p - 1)


def _float_input(input: Tensor, dtype: Any, function: str) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{function}: expected a floating point tensor as input, got {input.dtype} (call .float() first)"
        )
    return input


@accepts_numpy_names
def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """‖x‖ₒᵣ𝒹 over ``dim`` (every element when ``dim`` is None), as ``torch.linalg.vector_norm``.

    >>> import gradstep
    >>> vector_norm(gradstep.tensor([3.0, 4.0]))
    tensor(5.)
    """
    x = _float_input(x, dtype, "linalg.vector_norm")
    if isinstance(ord, str) or ord is None:
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return LinalgVectorNorm.apply(x, ord=float(ord), dims=normalize_dims(dim, x.ndim), keepdim=keepdim)


@accepts_numpy_names
def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """A norm of the matrices in the last two dims (or ``dim``): ``'fro'``, 1, -1, ∞ or -∞.

    ``'fro'`` is √(Σ aᵢⱼ²); 1 is the largest column sum of |aᵢⱼ|, ∞ the largest row sum.
    """
    A = _float_input(A, dtype, "linalg.matrix_norm")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: expected a tensor with 2 or more dimensions, got shape {tuple(A.shape)}")
    rows, cols = normalize_dims(dim[0], A.ndim)[0], normalize_dims(dim[1], A.ndim)[0]
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed, across = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = A.abs().sum(summed, keepdim=True)
        extreme = (sums.max if ord > 0 else sums.min)(across, keepdim=True).values
        return extreme if keepdim else extreme.squeeze(max(rows, cols)).squeeze(min(rows, cols))
    raise NotImplementedError(
        f"linalg.matrix_norm: ord={ord!r} needs singular values, which gradstep does not compute; "
        "use 'fro', 1, -1, inf or -inf"
    )


@accepts_numpy_names
def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``ord`` is given for a 2-D input.

    With ``ord=None`` it is the 2-norm of all elements (for a matrix: the Frobenius norm).
    """
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    matrix = (dim is None and A.ndim == 2) or (isinstance(dim, (tuple, list)) and len(dim) == 2)
    if matrix:
        return matrix_norm(A, ord, (-2, -1) if dim is None else tuple(dim), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} is a matrix norm; give a 2-D input or two dims")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


@accepts_numpy_names
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.norm``: the p-norm of all elements, or along ``dim`` (``'fro'`` is the 2-norm).

    >>> import gradstep
    >>> gradstep.tensor([[3.0, 4.0], [0.0, 0.0]]).norm(dim=1)
    tensor([5., 0.])
    """
    if p == "fro":
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm(p={p!r}): gradstep supports numbers and 'fro'")
    return vector_norm(input, p, dim, keepdim, dtype=_dtype.to_dtype(dtype))
