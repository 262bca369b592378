"""Pooling: shrink a feature map by summarising every window with its maximum or its average.

Max pooling picks one element per window: each output is a copy of the element where its
window's maximum is, so its gradient is a scatter-add that sends each output's gradient back
to that element (overlapping windows that pick the same element add up). ``Gather`` and
``ScatterAdd`` are each other's backward, like ``Unfold`` and ``Fold``.

Average pooling is the sum of a window's elements over a divisor; its gradient hands every
element of a window the same share, ∂L/∂y / divisor, added up by ``Fold`` where windows overlap.

Every backward is itself an op (a scatter-add, a gather, a fold), called through
``Function.run``: with ``create_graph`` it is recorded, so a gradient can be differentiated again.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .blas_threads import use_threads_for
from .conv import Window, as_tuple, check_positive, fold_columns, pad_by, patches_view, unfold_columns


def _in_memory_order(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``array``'s elements as a flat array in memory order, and where each (n, c) plane starts in it.

    Index p of a plane is then at ``starts[n, c] + p``. Any array whose planes are C-ordered
    blocks is used as it is: (N, C, H, W) memory, and the (C, N, H, W) memory that conv2d's
    outputs view; any other is copied into (N, C, H, W) order first.
    """
    plane_strides = np.empty(array.shape[2:], dtype=array.dtype).strides
    flat = array.ravel(order="K")
    if array.strides[2:] != plane_strides or not np.may_share_memory(flat, array):
        array = np.ascontiguousarray(array)
        flat = array.reshape(-1)
    step_n, step_c = (stride // array.itemsize for stride in array.strides[:2])
    starts = np.arange(array.shape[0]).reshape(-1, 1) * step_n + np.arange(array.shape[1]) * step_c
    return flat, starts.reshape(starts.shape + (1,) * (array.ndim - 2))


def _is_channel_major(x: np.ndarray) -> bool:
    """Whether an (N, C, ...) array lies in memory channel by channel, as (C, N, ...): conv2d's outputs do."""
    return x.strides[0] < x.strides[1]


class Gather(Function):
    """y[n, c, p] = x[n, c, indices[n, c, p]], indices into the flattened spatial dims of x.

    Each output is a copy of one input element, so that element receives its gradient,
    summed over every output that copied it: a scatter-add. (Max pooling's gradient is a
    scatter-add; this is that gradient's own gradient, for second derivatives.)
    """

    keeps_indices = True

    def forward(self, x: np.ndarray, indices: np.ndarray) -> np.ndarray:
        self.indices, self.input_shape, self.channel_major = indices, x.shape, _is_channel_major(x)
        flat, starts = _in_memory_order(x)
        return np.take(flat, indices + starts)

    def backward(self, grad: Any) -> Any:
        return ScatterAdd.run(grad, indices=self.indices, shape=self.input_shape, channel_major=self.channel_major)


class ScatterAdd(Function):
    """out[n, c, indices[n, c, p]] += values[n, c, p] into zeros of ``shape``.

    Each value is added to one output element, so its gradient is the gradient found
    there: a gather. The zeros are laid out channel-major in memory when ``channel_major``:
    keeping a gradient in the layout of the activations it meets next matters, as NumPy is
    faster on operands of one layout.
    """

    keeps_indices = True

    def forward(self, values: np.ndarray, indices: np.ndarray, shape: tuple[int, ...],
                channel_major: bool) -> np.ndarray:
        self.indices = indices
        if channel_major:  # (C, N, *size) in memory, seen as (N, C, *size)
            out = np.zeros((shape[1], shape[0], *shape[2:]), dtype=values.dtype).swapaxes(0, 1)
        else:
            out = np.zeros(shape, dtype=values.dtype)
        flat, starts = _in_memory_order(out)
        # Flat, contiguous operands take ufunc.at's fast path (several times faster here).
        np.add.at(flat, (indices + starts).reshape(-1), values.reshape(-1))
        return out

    def backward(self, grad: Any) -> Any:
        return Gather.run(grad, indices=self.indices)


class MaxPool(Function):
    """y = the largest element of every window, found together with where it is (``window_max``).

    Only that element influenced the output, so it alone receives the output's gradient:
    the backward scatter-adds the gradients to the kept indices.
    """

    keeps_indices = True

    def forward(self, x: np.ndarray, window: Window) -> np.ndarray:
        maxima, self.indices = window_max(x, window)
        self.channel_major = _is_channel_major(x)
        self.save_for_backward(x)  # for its shape, and as PyTorch saves it: changing x in place is then refused
        return maxima

    def backward(self, grad: Any) -> Any:
        (x,) = self.saved_tensors
        return ScatterAdd.run(grad, indices=self.indices, shape=tuple(x.shape), channel_major=self.channel_major)


class AvgPool(Function):
    """y = (sum of each window) / divisor, channel by channel.

    Every element of a window contributed 1/divisor to its output, so it receives
    ∂L/∂y / divisor from each window it lies in: that share on every tap of the window,
    folded back (``Fold``, linear like this op, so the backward can be differentiated again).
    """

    def forward(self, x: np.ndarray, window: Window, divisor: np.ndarray) -> np.ndarray:
        self.window, self.input_shape = window, x.shape
        # x is kept although the gradient doesn't read it, as PyTorch keeps it: changing it in place
        # before backward is then refused in both. The divisor is a constant.
        self.save_for_backward(x, divisor)
        planes = x.reshape(-1, 1, *x.shape[2:])  # every channel of every image on its own
        sums = unfold_columns(planes, window).sum(axis=0)  # (N·C, L): the taps added up
        return (sums / divisor.reshape(-1)).reshape(*x.shape[:2], *divisor.shape)

    def backward(self, grad: Any) -> Any:
        _, divisor = self.saved_tensors
        per_window = divisor.reshape(-1)  # (L,)
        shares = grad.reshape(1, -1, per_window.shape[0]) / per_window  # (1, N·C, L)
        every_tap = backward_math.broadcast_to(shares, (math.prod(self.window.kernel), *shares.shape[1:]))
        planes = fold_columns(every_tap, self.window, self.input_shape[2:])
        return planes.reshape(self.input_shape)


class AdaptiveAvgPool(Function):
    """y = Aₕ · x · Aᵥᵀ on the last two dims: row i of an averaging matrix A holds 1/width over window i.

    Linear in x, so ∂L/∂x = Aₕᵀ · G · Aᵥ: this op again, with the matrices transposed.
    """

    def forward(self, x: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        self.rows, self.columns = rows, columns
        self.save_for_backward(x)  # unread by the gradient, but kept as PyTorch keeps it (see AvgPool)
        return average_windows(x, rows, columns)

    def backward(self, grad: Any) -> Any:
        _ = self.saved_tensors  # unpacked only for its check: x must not have changed in place since
        return AdaptiveAvgPool.run(grad, rows=self.rows.T, columns=self.columns.T)


def average_windows(x: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """rows · x · columnsᵀ for every (n, c) plane of x, as two large matrix products."""
    batch, channels, height, width = x.shape
    use_threads_for(x.size * len(columns))
    across = x.reshape(-1, width) @ columns.T  # (N·C·H, out_w)
    out_width = across.shape[-1]
    stacked = across.reshape(-1, height, out_width).transpose(1, 0, 2).reshape(height, -1)  # (H, N·C·out_w)
    use_threads_for(rows.size * stacked.shape[1])
    down = rows @ stacked  # (out_h, N·C·out_w)
    return down.reshape(-1, batch * channels, out_width).transpose(1, 0, 2).reshape(batch, channels, -1, out_width)


# ---- where each window's maximum is --------------------------------------------------------
def window_max(x: np.ndarray, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """Every window's largest element, and its index into the flattened spatial dims of x.

    PyTorch's rule: the first largest element of the window, or its last NaN if it has one.
    The taps are compared one at a time on a copy that lays each tap's elements side by side
    (NumPy is slow on the short strided rows of a window view), with arithmetic instead of
    masked writes, which are several times slower here. The copy keeps x's order of the
    batch and channel axes in memory, which makes it about twice as fast for channel-major x
    (the layout of conv2d's outputs).
    """
    padded = pad_by(x, ((0, 0), (0, 0), *window.padding), value=-np.inf)
    dims = len(window.kernel)
    taps = patches_view(padded, window)  # (N, C, *positions, *kernel)
    batch_and_channel = (1, 0) if _is_channel_major(x) else (0, 1)
    taps = np.ascontiguousarray(taps.transpose(*range(2 + dims, 2 + 2 * dims), *batch_and_channel,
                                               *range(2, 2 + dims)))
    taps = taps.reshape(-1, *taps.shape[dims:])  # (K, N, C, *positions), or (K, C, N, *positions)
    if batch_and_channel == (1, 0):
        taps = taps.swapaxes(1, 2)  # back to (K, N, C, *positions), as a view
    best = taps.max(axis=0)
    chosen = np.full(best.shape, len(taps) - 1, dtype=np.int16)
    for k in range(len(taps) - 2, -1, -1):  # ends at the first tap that holds the maximum
        chosen -= (taps[k] == best) * (chosen - k)
    if np.isnan(best).any():  # rare: a NaN wins its window
        for k in range(len(taps)):
            chosen[np.isnan(taps[k])] = k
    # Flat index of tap k of the window at position p:
    # Σ over the spatial dims of (p·stride − before + k·dilation) · that dim's stride.
    dim_strides = [math.prod(x.shape[2 + d + 1:]) for d in range(dims)]
    tap_offsets = np.array([sum(k * dil * st for k, dil, st in zip(tap, window.dilation, dim_strides))
                            for tap in np.ndindex(*window.kernel)])
    starts = np.zeros(best.shape[2:], dtype=np.int64)
    for d, (count, stride, (before, _)) in enumerate(zip(best.shape[2:], window.stride, window.padding)):
        shape = [1] * dims
        shape[d] = count
        starts = starts + ((np.arange(count) * stride - before) * dim_strides[d]).reshape(shape)
    return best, np.take(tap_offsets, chosen) + starts


# ---- the functions ----------------------------------------------------------------------------
def _pooled_size(size: int, span: int, stride: int, pad: int, ceil_mode: bool) -> int:
    """PyTorch's output size; with ceil_mode the last window may overhang, but must start inside."""
    out = (size + 2 * pad - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pooling_window(
    function: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
    dims: int = 2,
) -> tuple[Window, bool]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{function}(): expected a {dims + 1}-D (C, H, W) or {dims + 2}-D (N, C, H, W) input, "
            f"got shape {tuple(input.shape)}"
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{function}(): expected a floating-point input, got {input.dtype}")
    kernel = as_tuple(kernel_size, dims, "kernel_size")
    no_stride = stride is None or (isinstance(stride, (list, tuple)) and not stride)
    strides = kernel if no_stride else as_tuple(stride, dims, "stride")
    pads, dilations = as_tuple(padding, dims, "padding"), as_tuple(dilation, dims, "dilation")
    for values, name in ((kernel, "kernel_size"), (strides, "stride"), (dilations, "dilation")):
        check_positive(values, name, function)
    if min(pads) < 0 or any(p > k // 2 for p, k in zip(pads, kernel)):
        raise RuntimeError(
            f"{function}(): pad should be smaller than or equal to half of kernel size, but got padding={pads} "
            f"and kernel_size={kernel}"
        )
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilations))
    size = tuple(input.shape[-dims:])
    out = tuple(_pooled_size(s, span, st, p, ceil_mode) for s, span, st, p in zip(size, spans, strides, pads))
    if min(out) < 1:
        raise RuntimeError(
            f"{function}(): given input size {size}, calculated output size {out}: output size is too small"
        )
    # Zeros after the input for ceil_mode's overhanging last window.
    extra = tuple(max(0, (o - 1) * st + span - (s + 2 * p))
                  for o, st, span, s, p in zip(out, strides, spans, size, pads))
    return Window(kernel, strides, dilations, tuple((p, p + e) for p, e in zip(pads, extra))), input.ndim == dims + 2


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The largest element of every window; with ``return_indices`` also where it is (h·W + w).

    >>> import gradstep
    >>> max_pool2d(gradstep.arange(16.).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    window, batched = _pooling_window("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    x = input if batched else input.reshape(1, *input.shape)
    y = MaxPool.apply(x, window=window)
    if not return_indices:
        return y if batched else y.reshape(*y.shape[1:])
    indices = window_max(x._array, window)[1]  # found again, only when asked for
    return (y, Tensor._wrap(indices)) if batched else (y.reshape(*y.shape[1:]), Tensor._wrap(indices[0]))


def _average_divisor(window: Window, size: tuple[int, ...], pads: tuple[int, ...], count_include_pad: bool,
                     divisor_override: int | None) -> np.ndarray:
    """Each window's divisor, as PyTorch counts it: the taps inside the padded input, or inside the input."""
    positions = window.output_size(size)
    if divisor_override is not None:
        return np.full(positions, float(divisor_override))
    counts = []
    for count, k, st, s, p in zip(positions, window.kernel, window.stride, size, pads):
        starts = np.arange(count) * st - p
        ends = np.minimum(starts + k, s + p)
        if not count_include_pad:
            starts, ends = np.maximum(starts, 0), np.minimum(ends, s)
        counts.append(ends - starts)
    divisor = counts[0].reshape(-1, 1) * counts[1].reshape(1, -1)
    return divisor.astype(np.float64)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of every window (zeros of the padding counted unless ``count_include_pad=False``).

    >>> import gradstep
    >>> avg_pool2d(gradstep.arange(16.).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d(): divisor_override must not be zero")
    window, batched = _pooling_window("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    x = input if batched else input.reshape(1, *input.shape)
    pads = tuple(before for before, _ in window.padding)
    divisor = _average_divisor(window, tuple(x.shape[2:]), pads, count_include_pad, divisor_override)
    y = AvgPool.apply(x, window=window, divisor=divisor.astype(x._array.dtype))
    return y if batched else y.reshape(*y.shape[1:])


def _averaging_matrix(size: int, out: int) -> np.ndarray:
    """Row i averages input elements ⌊i·size/out⌋ to ⌈(i+1)·size/out⌉ − 1: PyTorch's adaptive windows."""
    matrix = np.zeros((out, size))
    for i in range(out):  # one row per output element: a few dozen at most
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size, whatever the input's (``(1, 1)``: the global mean).

    >>> import gradstep
    >>> adaptive_avg_pool2d(gradstep.arange(16.).reshape(1, 1, 4, 4), 1)
    tensor([[[[7.5000]]]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"adaptive_avg_pool2d(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4) or min(input.shape[-2:], default=0) < 1:
        raise RuntimeError(
            f"adaptive_avg_pool2d(): expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero H and W, "
            f"got shape {tuple(input.shape)}"
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"adaptive_avg_pool2d(): expected a floating-point input, got {input.dtype}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d(): output_size must be an int or 2 values, got {output_size!r}")
    height, width = (input.shape[-2 + i] if s is None else s for i, s in enumerate(sizes))
    check_positive((int(height), int(width)), "output_size", "adaptive_avg_pool2d")
    dtype = input._array.dtype
    rows = _averaging_matrix(input.shape[-2], int(height)).astype(dtype)
    columns = _averaging_matrix(input.shape[-1], int(width)).astype(dtype)
    x = input if input.ndim == 4 else input.reshape(1, *input.shape)
    y = AdaptiveAvgPool.apply(x, rows=rows, columns=columns)
    return y if input.ndim == 4 else y.reshape(*y.shape[1:])
