"""Reductions: sum, mean, var, std, logsumexp, max, min (whole tensor or along dims), argmax, argmin, all, any;
and cumsum, the running sum."""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtype
from .._signatures import accepts_numpy_names
from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .operands import floating, normalize_dim, normalize_dims

# What torch.max(x, dim) returns: a pair that also has names.
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _kept(value: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
    """A reduction's result (or its gradient) with the reduced dims present, as size 1: it broadcasts against the input."""
    return value if keepdim else backward_math.expand_dims(value, dims)


def _spread_back(grad: Any, dims: tuple[int, ...], keepdim: bool, shape: tuple[int, ...]) -> Any:
    """Put the reduced dims back into ``grad`` and repeat it over them: every input got it."""
    return backward_math.broadcast_to(_kept(grad, dims, keepdim), shape)


def _reduced_count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    """How many elements each result of a reduction over ``dims`` comes from."""
    return int(np.prod([shape[d] for d in dims]))


class Sum(Function):
    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool, dtype: np.dtype) -> np.ndarray:
        self.input_shape, self.dims, self.keepdim = x.shape, dims, keepdim
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    def backward(self, grad: Any) -> Any:
        # ∂(Σ xᵢ)/∂xᵢ = 1: each element receives the gradient of the sum it took part in
        return _spread_back(grad, self.dims, self.keepdim, self.input_shape)

    def name(self) -> str:
        return "SumBackward0" if len(self.dims) == len(self.input_shape) else "SumBackward1"


class Mean(Function):
    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        self.input_shape, self.dims, self.keepdim = x.shape, dims, keepdim
        self.count = _reduced_count(x.shape, dims)
        return x.mean(axis=dims, keepdims=keepdim)

    def backward(self, grad: Any) -> Any:
        # ∂(Σ xᵢ / n)/∂xᵢ = 1/n
        return _spread_back(grad / self.count, self.dims, self.keepdim, self.input_shape)

    def name(self) -> str:
        return "MeanBackward0" if len(self.dims) == len(self.input_shape) else "MeanBackward1"


class Var(Function):
    """σ² = Σ(x − x̄)² / (N − c) over ``dims``, c the correction (1: the unbiased estimate).

    ∂σ²/∂xᵢ = 2(xᵢ − x̄)/(N − c): x̄ depends on xᵢ too, but Σ(x − x̄) = 0 cancels that term.
    """

    def forward(self, x: np.ndarray, dims: tuple[int, ...], correction: float, keepdim: bool) -> np.ndarray:
        self.save_for_backward(x)
        self.input_shape, self.dims, self.keepdim = x.shape, dims, keepdim
        self.divisor = _reduced_count(x.shape, dims) - correction
        with np.errstate(divide="ignore", invalid="ignore"):  # N ≤ c: inf or nan, as in PyTorch
            return np.var(x, axis=dims, ddof=correction, keepdims=keepdim)

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        centred = x - backward_math.mean(x, self.dims)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _spread_back(grad, self.dims, self.keepdim, self.input_shape) * centred * (2 / self.divisor)


class Std(Function):
    """σ = √(Σ(x − x̄)² / (N − c)); ∂σ/∂xᵢ = (xᵢ − x̄) / ((N − c)·σ), from ∂σ²/∂xᵢ and σ² = σ·σ.

    Where σ = 0 (all values equal) the slope is taken as 0, as PyTorch takes it.
    """

    def forward(self, x: np.ndarray, dims: tuple[int, ...], correction: float, keepdim: bool) -> np.ndarray:
        self.input_shape, self.dims, self.keepdim = x.shape, dims, keepdim
        self.divisor = _reduced_count(x.shape, dims) - correction
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.std(x, axis=dims, ddof=correction, keepdims=keepdim)
        self.save_for_backward(x, sigma)  # the output itself, so that a second derivative follows it back
        return sigma

    def backward(self, grad: Any) -> Any:
        x, sigma = self.saved_tensors
        sigma = _kept(sigma, self.dims, self.keepdim)
        centred = x - backward_math.mean(x, self.dims)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = backward_math.where(backward_math.values(sigma) == 0, backward_math.zeros_like(centred),
                                        centred / (sigma * self.divisor))
        return _spread_back(grad, self.dims, self.keepdim, self.input_shape) * slope


class LogSumExp(Function):
    """y = log Σ eˣ over ``dims``, computed as m + log Σ e^(x − m) with m the largest x (no overflow).

    ∂y/∂xᵢ = e^(xᵢ − y): the softmax of x.
    """

    pytorch_name = "LogsumexpBackward0"

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        self.input_shape, self.dims, self.keepdim = x.shape, dims, keepdim
        largest = np.max(x, axis=dims, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        largest = np.where(np.isfinite(largest), largest, 0)  # all −inf (or an inf) in a row: shift by 0
        y = largest + np.log(np.exp(x - largest).sum(axis=dims, keepdims=True))
        y = y if keepdim else y.squeeze(dims)
        self.save_for_backward(x, y)  # the output itself, so that a second derivative follows it back
        return y

    def backward(self, grad: Any) -> Any:
        x, y = self.saved_tensors
        y = _kept(y, self.dims, self.keepdim)
        return _spread_back(grad, self.dims, self.keepdim, self.input_shape) * backward_math.exp(x - y)


class ExtremeAlong(Function):
    """The largest (``amax``) or smallest (``amin``) value over ``dims``.

    On a tie the gradient is shared evenly among the tied elements, as in PyTorch.
    """

    def forward(self, x: np.ndarray, dims: tuple[int, ...], keepdim: bool, largest: bool) -> np.ndarray:
        self.input_shape, self.dims, self.keepdim, self.largest = x.shape, dims, keepdim, largest
        y = (np.amax if largest else np.amin)(x, axis=dims, keepdims=keepdim)
        self.save_for_backward(x, y)
        return y

    def backward(self, grad: Any) -> Any:
        x, y = self.saved_tensors
        y = _kept(y, self.dims, self.keepdim)
        is_extreme = backward_math.astype(x == y, grad.dtype)
        ties = is_extreme.sum(axis=self.dims, keepdims=True)
        return _spread_back(grad, self.dims, self.keepdim, self.input_shape) * is_extreme / ties

    def name(self) -> str:
        return "AmaxBackward0" if self.largest else "AminBackward0"


class CumSum(Function):
    """yᵢ = x₁ + … + xᵢ along ``dim``.

    xⱼ is part of every yᵢ with i ≥ j, so ∂L/∂xⱼ = Σ_{i≥j} ∂L/∂yᵢ: the running sum of the
    gradient taken from the end (``ReverseCumSum``).
    """

    pytorch_name = "CumsumBackward0"

    def forward(self, x: np.ndarray, dim: int, dtype: np.dtype | None) -> np.ndarray:
        self.dim = dim
        return np.cumsum(x, axis=dim, dtype=dtype)

    def backward(self, grad: Any) -> Any:
        return ReverseCumSum.run(grad, dim=self.dim)


class ReverseCumSum(Function):
    """yᵢ = xᵢ + … + x_last along ``dim``: CumSum's backward, whose own backward is CumSum."""

    def forward(self, x: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        return np.flip(np.cumsum(np.flip(x, dim), axis=dim), dim)

    def backward(self, grad: Any) -> Any:
        return CumSum.run(grad, dim=self.dim, dtype=None)


class Extreme(Function):
    """The largest (or smallest) element of the whole tensor.

    On a tie the gradient is shared evenly among the tied elements, as in PyTorch.
    """

    def forward(self, x: np.ndarray, largest: bool) -> np.ndarray:
        y = x.max() if largest else x.min()
        self.save_for_backward(x, y)  # as PyTorch saves them: changing x in place before backward is noticed
        self.largest = largest
        return y

    def backward(self, grad: Any) -> Any:
        x, y = self.saved_tensors
        is_extreme = backward_math.astype(x == y, grad.dtype)
        return grad * is_extreme / is_extreme.sum()

    def name(self) -> str:
        return "MaxBackward1" if self.largest else "MinBackward1"


class TakeAlongDim(Function):
    """The element of each row along ``dim`` that ``indices`` points at (max, min, sort).

    Only the chosen element influenced the output, so only it gets a gradient: the
    backward puts each gradient back where its element came from (``ScatterAlongDim``).
    """

    keeps_indices = True

    def forward(self, x: np.ndarray, indices: np.ndarray, dim: int, keepdim: bool,
                node_name: str = "TakeAlongDimBackward0") -> np.ndarray:
        self.input_shape, self.dim, self.keepdim = x.shape, dim, keepdim
        self.node_name = node_name  # PyTorch's name for the op that chose the indices: MaxBackward0, SortBackward0
        self.indices = indices if keepdim else np.expand_dims(indices, dim)
        values = np.take_along_axis(x, self.indices, axis=dim)
        return values if keepdim else values.squeeze(dim)

    def backward(self, grad: Any) -> Any:
        rows = grad if self.keepdim else backward_math.expand_dims(grad, (self.dim,))
        return ScatterAlongDim.run(rows, indices=self.indices, dim=self.dim, shape=self.input_shape)

    def name(self) -> str:
        return self.node_name


class ScatterAlongDim(Function):
    """Zeros of ``shape`` with ``values`` placed at ``indices`` along ``dim``: TakeAlongDim's reverse."""

    keeps_indices = True

    def forward(self, values: np.ndarray, indices: np.ndarray, dim: int, shape: tuple[int, ...]) -> np.ndarray:
        self.indices, self.dim = indices, dim
        placed = np.zeros(shape, dtype=values.dtype)
        np.put_along_axis(placed, indices, values, dim)
        return placed

    def backward(self, grad: Any) -> Any:
        return TakeAlongDim.run(grad, indices=self.indices, dim=self.dim, keepdim=True)


@accepts_numpy_names
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum of all elements, or along ``dim``; bool and integer tensors sum to int64."""
    target = _dtype.to_dtype(dtype)
    if target is None and not input.dtype.is_floating_point:
        target = _dtype.int64
    dims = normalize_dims(dim, input.ndim)
    return Sum.apply(input, dims=dims, keepdim=keepdim, dtype=None if target is None else target.numpy)


@accepts_numpy_names
def mean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be floating point, got {input.dtype}; "
            "call .float() first"
        )
    return Mean.apply(input, dims=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _correction(name: str, input: Tensor, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """PyTorch's ways to ask for var and std: ``(dim, unbiased)``, ``(unbiased)`` or ``(dim, correction=c)``."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}(): std and var only support floating point and complex dtypes, got {input.dtype}")
    if isinstance(dim, bool):  # x.var(False): the flag in the place of dim
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}(): give either unbiased or correction, not both")
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    return dim, correction


@accepts_numpy_names
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
    """Variance over ``dim`` (all dims by default), divided by N − 1 unless ``correction`` (or ``unbiased``) says otherwise.

    >>> import gradstep
    >>> gradstep.tensor([1.0, 2.0, 3.0, 4.0]).var(), gradstep.tensor([1.0, 2.0, 3.0, 4.0]).var(correction=0)
    (tensor(1.6667), tensor(1.2500))
    """
    dim, correction = _correction("var", input, dim, unbiased, correction)
    return Var.apply(input, dims=normalize_dims(dim, input.ndim), correction=correction, keepdim=keepdim)


@accepts_numpy_names
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
    """Standard deviation, the square root of ``var`` with the same arguments."""
    dim, correction = _correction("std", input, dim, unbiased, correction)
    return Std.apply(input, dims=normalize_dims(dim, input.ndim), correction=correction, keepdim=keepdim)


@accepts_numpy_names
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log Σ exp(x) over ``dim``, without overflow: the smooth maximum, and softmax's normaliser."""
    return LogSumExp.apply(floating(input), dims=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _extreme_along(name: str, input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    every_dim = dim is None or isinstance(dim, (tuple, list)) and len(dim) == 0  # PyTorch's default, dim=()
    dims = normalize_dims(None if every_dim else dim, input.ndim)
    if input.numel() == 0 and any(input.shape[d] == 0 for d in dims):
        raise IndexError(f"{name}(): Expected reduction dim to have non-zero size (shape {tuple(input.shape)})")
    return ExtremeAlong.apply(input, dims=dims, keepdim=keepdim, largest=largest)


@accepts_numpy_names
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The largest value over ``dim`` (an int, a tuple, or every dim); ties share the gradient."""
    return _extreme_along("amax", input, dim, keepdim, largest=True)


@accepts_numpy_names
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The smallest value over ``dim`` (an int, a tuple, or every dim); ties share the gradient."""
    return _extreme_along("amin", input, dim, keepdim, largest=False)


@accepts_numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim``: [1, 2, 3] → [1, 3, 6]. Bool and integer tensors sum to int64.

    >>> import gradstep
    >>> gradstep.tensor([1, 2, 3]).cumsum(0)
    tensor([1, 3, 6])
    """
    target = _dtype.to_dtype(dtype)
    if target is None and not input.dtype.is_floating_point:
        target = _dtype.int64
    if input.ndim == 0:  # dim 0 (or -1) of a 0-d tensor: its one element
        normalize_dim(dim, 0)
        return CumSum.apply(input, dim=None, dtype=None if target is None else target.numpy).reshape(())
    return CumSum.apply(input, dim=normalize_dim(dim, input.ndim), dtype=None if target is None else target.numpy)


def _extreme(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from .elementwise import maximum, minimum

        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0 (shape "
                f"{tuple(input.shape)}). Specify the reduction dim with the 'dim' argument."
            )
        return Extreme.apply(input, largest=largest)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:  # dim 0 (or -1) of a 0-d tensor: its one element, at index 0
        return _extreme(input.reshape(1), 0, False, largest)
    if input.shape[axis] == 0:  # other dims may be empty: the result is empty then
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size (shape {tuple(input.shape)}).")
    indices = (np.argmax if largest else np.argmin)(input._array, axis=axis, keepdims=keepdim)
    values = TakeAlongDim.apply(input, indices=indices, dim=axis, keepdim=keepdim,
                                node_name="MaxBackward0" if largest else "MinBackward0")
    return (MaxResult if largest else MinResult)(values, Tensor._wrap(indices.astype(np.int64)))


@accepts_numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``max(x)`` → the largest element; ``max(x, dim)`` → (values, indices); ``max(x, y)`` → elementwise."""
    return _extreme(input, dim, keepdim, largest=True)


@accepts_numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``min(x)`` → the smallest element; ``min(x, dim)`` → (values, indices); ``min(x, y)`` → elementwise."""
    return _extreme(input, dim, keepdim, largest=False)


def _arg_extreme(find: Any, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    if dim is None:  # an index into the flattened tensor
        return Tensor._wrap(np.int64(find(input._array)))
    return Tensor._wrap(find(input._array, axis=normalize_dim(dim, input.ndim), keepdims=keepdim).astype(np.int64))


@accepts_numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element along ``dim`` (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(np.argmax, input, dim, keepdim)


@accepts_numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element along ``dim`` (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(np.argmin, input, dim, keepdim)


@accepts_numpy_names
def all(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A001
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._wrap(np.all(input._array, axis=axis))


@accepts_numpy_names
def any(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A001
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    return Tensor._wrap(np.any(input._array, axis=axis))


__all__ = ["sum", "mean", "max", "min", "argmax", "argmin", "all", "any", "MaxResult", "MinResult"]
