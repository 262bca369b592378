"""Convolution as one matrix product: unfold the patches (im2col), multiply; backward, fold back (col2im).

A convolution layer slides a small kernel W over the image; at every position it takes the
dot product of W with the patch under it:

    y[n, o, p] = b[o] + Σ_{c, k} W[o, c, k] · x[n, c, p·stride + k·dilation − padding]

``Unfold`` copies every patch into a column (im2col), so the whole layer is one matrix
product W (out_channels × C·kh·kw) @ columns (C·kh·kw × every position of every image).
``Fold`` (col2im) is its adjoint: it adds every column back onto the pixels its patch came
from, where overlapping patches share a pixel. Each is therefore the other's backward.
``Pad`` surrounds the input with a constant; its backward cuts the border off again.

Every backward here is made of these ops (and of products and sums), called through
``Function.run``: on arrays for first derivatives, recorded on tensors with ``create_graph``,
so a gradient can be differentiated again. Unfold, Fold and Pad are linear: their second
derivatives are zero, but the gradient of a gradient still flows back through them.

The code works for any number of spatial dims, so ``conv1d`` and ``conv2d`` share it.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._tensor import Tensor
from ..autograd.function import Function
from . import backward_math
from .blas_threads import use_threads_for


class Window(NamedTuple):
    """Where a convolution's (or a pooling's) windows sit, per spatial dim.

    ``padding`` holds (before, after) per dim: 'same' padding and pooling's ceil_mode need
    more zeros after than before.

    >>> Window(kernel=(3, 3), stride=(1, 1), dilation=(1, 1), padding=((1, 1), (1, 1))).output_size((28, 28))
    (28, 28)
    """

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]

    def spans(self) -> tuple[int, ...]:
        """How far a window reaches: a dilated kernel of k taps covers d·(k − 1) + 1 pixels."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))

    def padded_size(self, input_size: Sequence[int]) -> tuple[int, ...]:
        return tuple(size + before + after for size, (before, after) in zip(input_size, self.padding))

    def output_size(self, input_size: Sequence[int]) -> tuple[int, ...]:
        """How many windows fit along each dim: ⌊(padded size − span) / stride⌋ + 1."""
        return tuple(
            (padded - span) // stride + 1
            for padded, span, stride in zip(self.padded_size(input_size), self.spans(), self.stride)
        )


def _spatial_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(2, ndim))


def patches_view(padded: np.ndarray, window: Window) -> np.ndarray:
    """Every window of an already padded (N, C, *size) array as a view (N, C, *positions, *kernel).

    No pixel is copied: the view steps through the same memory with new strides.
    """
    windows = sliding_window_view(padded, window.spans(), axis=_spatial_axes(padded.ndim))
    every = slice(None)
    steps = (every, every, *(slice(None, None, s) for s in window.stride),
             *(slice(None, None, d) for d in window.dilation))
    return windows[steps]


class Pad(Function):
    """Surround x with ``value``: ``widths`` holds (before, after) for every dim; negative widths cut.

    Each input element lands in one place of the output, so its gradient is the gradient
    found there: the backward pads by the opposite widths, cutting the border off again.
    """

    def forward(self, x: np.ndarray, widths: tuple[tuple[int, int], ...], value: float = 0.0) -> np.ndarray:
        self.widths = widths
        kept = tuple(slice(max(-before, 0), size - max(-after, 0)) for (before, after), size in zip(widths, x.shape))
        x = x[kept]
        if all(before <= 0 and after <= 0 for before, after in widths):
            return x.copy()
        shape = tuple(size + max(before, 0) + max(after, 0) for (before, after), size in zip(widths, x.shape))
        out = np.full(shape, value, dtype=x.dtype)
        out[tuple(slice(max(before, 0), max(before, 0) + size) for (before, _), size in zip(widths, x.shape))] = x
        return out

    def backward(self, grad: Any) -> Any:
        return pad_by(grad, tuple((-before, -after) for before, after in self.widths))


class Unfold(Function):
    """im2col: x (N, C, *size) → columns (C·K, N, L), one column per window position.

    Row c·K + k of column (n, p) is x[n, c] at tap k of window p (K taps per window, L
    windows per image). A pixel under several windows is copied into several columns, so
    its gradient is the sum of theirs: folding the columns' gradient back (col2im).
    """

    def forward(self, x: np.ndarray, window: Window) -> np.ndarray:
        self.window, self.input_size = window, x.shape[2:]
        patches = patches_view(pad_by(x, ((0, 0), (0, 0), *window.padding)), window)  # (N, C, *positions, *kernel)
        n_dims = len(window.kernel)
        positions, taps = tuple(range(2, 2 + n_dims)), tuple(range(2 + n_dims, 2 + 2 * n_dims))
        columns = patches.transpose(1, *taps, 0, *positions)  # (C, *kernel, N, *positions): the one copy
        return columns.reshape(x.shape[1] * math.prod(window.kernel), x.shape[0], -1)

    def backward(self, grad: Any) -> Any:
        return fold_columns(grad, self.window, self.input_size)


class Fold(Function):
    """col2im: columns (C·K, N, L) → (N, C, *size), each column added onto the pixels of its window.

    The adjoint of ``Unfold``: its backward takes the gradient's patches again (im2col).
    """

    def forward(self, columns: np.ndarray, window: Window, output_size: tuple[int, ...]) -> np.ndarray:
        self.window = window
        taps, batch = math.prod(window.kernel), columns.shape[1]
        channels = columns.shape[0] // taps
        positions = window.output_size(output_size)
        padded = np.zeros((channels, batch, *window.padded_size(output_size)), dtype=columns.dtype)
        blocks = columns.reshape(channels, *window.kernel, batch, *positions)
        # One vectorised add per kernel tap (9 for a 3×3 kernel), never a loop over pixels:
        # tap k of every window lands on the pixels k·dilation + p·stride.
        for tap in np.ndindex(*window.kernel):
            pixels = tuple(
                slice(k * d, k * d + s * (count - 1) + 1, s)
                for k, d, s, count in zip(tap, window.dilation, window.stride, positions)
            )
            padded[(slice(None), slice(None), *pixels)] += blocks[(slice(None), *tap)]
        inside = tuple(slice(before, before + size) for (before, _), size in zip(window.padding, output_size))
        return padded[(slice(None), slice(None), *inside)].transpose(1, 0, *_spatial_axes(padded.ndim))

    def backward(self, grad: Any) -> Any:
        return unfold_columns(grad, self.window)


class Convolution(Function):
    """The matrix product that makes a convolution: Y = W · columns + b, the columns being im2col(x).

    ``conv2d`` records ``Unfold`` (x → columns) and then this op, so the graph reads as the
    algorithm: copy the patches, multiply. Per group, W is (out_channels, C·K) and the columns
    are (C·K, every position of every image). With G = ∂L/∂Y laid out the same way:
      ∂L/∂columns = Wᵀ · G, which Unfold's backward adds back onto the pixels (col2im): so
                    ∂L/∂x is a full convolution of G with the flipped kernel, every pixel
                    collecting the kernel taps that saw it, weighted by their output's gradient;
      ∂L/∂W = G · columnsᵀ: the correlation of the input with the output gradient;
      ∂L/∂b = Σ of G over the batch and every position.
    Each is a product of the op's inputs with G, so with ``create_graph`` it is recorded and its
    own gradient follows: PyTorch's double backward of a convolution.
    """

    def forward(self, columns: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, *,
                positions: tuple[int, ...], groups: int) -> np.ndarray:
        self.save_for_backward(columns, weight)
        self.groups = groups
        # Each of the three products (forward, and the two gradients) makes every weight meet every position.
        self.multiply_adds = weight.size * columns[0].size
        use_threads_for(self.multiply_adds)
        out_channels, batch = weight.shape[0], columns.shape[1]
        y = weight.reshape(groups, out_channels // groups, -1) @ columns.reshape(groups, -1, columns[0].size)
        y = y.reshape(out_channels, batch, *positions)  # (groups, out/groups, N·L) → (out_channels, N, *positions)
        if bias is not None:
            y += bias.reshape(-1, 1, *[1] * len(positions))  # one value per channel
        return y.transpose(1, 0, *_spatial_axes(y.ndim))  # (N, out_channels, *positions), no copy

    def backward(self, grad: Any) -> tuple[Any, ...]:
        columns, weight = self.saved_tensors
        groups, out_channels = self.groups, weight.shape[0]
        use_threads_for(self.multiply_adds)
        # G: one row per output channel, one column per output position of every image.
        g = backward_math.permute(grad, (1, 0, *_spatial_axes(grad.ndim))).reshape(groups, out_channels // groups, -1)
        grad_columns = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            w = weight.reshape(groups, out_channels // groups, -1)
            grad_columns = (backward_math.permute(w, (0, 2, 1)) @ g).reshape(columns.shape)  # Wᵀ·G: each column's share
        if self.needs_input_grad[1]:
            per_group = columns.reshape(groups, -1, g.shape[-1])
            grad_weight = (g @ backward_math.permute(per_group, (0, 2, 1))).reshape(weight.shape)
        if len(self.needs_input_grad) == 2:
            return grad_columns, grad_weight
        if self.needs_input_grad[2]:
            grad_bias = grad.sum(axis=(0, *_spatial_axes(grad.ndim)))
        return grad_columns, grad_weight, grad_bias


# ---- the ops as the backward formulas call them ----------------------------------------------
# Backward formulas use only Python operators, @, reshape, sum, basic indexing and
# ``backward_math``; every other operation they need is a Function of its own, called through
# these: straight on an array, or recorded on a tensor (see ``Function.run``).
def pad_by(x: Any, widths: tuple[tuple[int, int], ...], value: float = 0.0) -> Any:
    if not any(before or after for before, after in widths):
        return x
    return Pad.run(x, widths=widths, value=value)


def unfold_columns(x: Any, window: Window) -> Any:
    return Unfold.run(x, window=window)


def fold_columns(columns: Any, window: Window, output_size: tuple[int, ...]) -> Any:
    return Fold.run(columns, window=window, output_size=tuple(output_size))


# ---- checking arguments the way PyTorch does ---------------------------------------------
def as_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``3`` → (3, 3) for two spatial dims; a list or tuple must have one value per dim."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == 1 and n > 1:
        return (int(value[0]),) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return tuple(int(v) for v in value)
    raise ValueError(f"expected {name} to be a single integer or a list of {n} integers, but got {name}={value!r}")


def check_positive(values: tuple[int, ...], name: str, function: str) -> None:
    if min(values) <= 0:
        raise ValueError(f"{function}(): {name} must be positive, got {name}={values}")


def _check_floating_input(function: str, input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    for name, tensor in (("input", input), ("weight", weight), ("bias", bias)):
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{function}(): {name} must be a Tensor, got {type(tensor).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{function}(): expected a floating-point input, got {input.dtype}; call .float() first")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.dtype != input.dtype:
            raise RuntimeError(
                f"{function}(): input type ({input.dtype}) and {name} type ({tensor.dtype}) should be the same"
            )


def _same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """'same': d·(k − 1) zeros in all, the odd one after, as PyTorch places them."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))


def _convolution_padding(padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                         dilation: tuple[int, ...], function: str) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding == "same":
            if max(stride) != 1:
                raise ValueError(f"{function}(): padding='same' is not supported for strided convolutions")
            return _same_padding(kernel, dilation)
        raise ValueError(f"{function}(): invalid padding string {padding!r}, should be one of 'valid', 'same'")
    widths = as_tuple(padding, len(kernel), "padding")
    if min(widths) < 0:
        raise ValueError(f"{function}(): negative padding is not supported, got padding={widths}")
    return tuple((p, p) for p in widths)


def _convolve(
    function: str, dims: int, input: Tensor, weight: Tensor, bias: Tensor | None,
    stride: Any, padding: Any, dilation: Any, groups: int,
) -> Tensor:
    _check_floating_input(function, input, weight, bias)
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {function}, "
            f"but got input of size: {list(input.shape)}"
        )
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"{function}(): weight must be {dims + 2}-dimensional (out_channels, in_channels/groups, *kernel_size), "
            f"got weight of size {list(weight.shape)}"
        )
    batched = input.ndim == dims + 2
    x = input if batched else input.reshape(1, *input.shape)
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise RuntimeError(f"{function}(): groups must be a positive integer, got {groups!r}")
    out_channels, channels_per_group = weight.shape[0], weight.shape[1]
    if out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    if x.shape[1] != channels_per_group * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} to have "
            f"{channels_per_group * groups} channels, but got {x.shape[1]} channels instead"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {out_channels} "
            f"elements, but got bias of size {list(bias.shape)} instead"
        )
    kernel = tuple(weight.shape[2:])
    stride, dilation = as_tuple(stride, dims, "stride"), as_tuple(dilation, dims, "dilation")
    check_positive(stride, "stride", function)
    check_positive(dilation, "dilation", function)
    window = Window(kernel, stride, dilation, _convolution_padding(padding, kernel, stride, dilation, function))
    if min(window.output_size(x.shape[2:])) < 1:
        padded = " x ".join(map(str, window.padded_size(x.shape[2:])))
        raise RuntimeError(
            f"{function}(): calculated padded input size per channel: ({padded}). Kernel size: "
            f"({' x '.join(map(str, window.spans()))}). Kernel size can't be greater than actual input size"
        )
    columns = Unfold.apply(x, window=window)  # im2col: every patch a column, (C·K, N, L)
    inputs = (columns, weight) if bias is None else (columns, weight, bias)
    y = Convolution.apply(*inputs, positions=window.output_size(x.shape[2:]), groups=int(groups))
    return y if batched else y.reshape(*y.shape[1:])


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of (N, C, L) signals with a weight of shape (out_channels, C/groups, k)."""
    return _convolve("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution of (N, C, H, W) images with a weight of shape (out_channels, C/groups, kh, kw).

    >>> import gradstep
    >>> conv2d(gradstep.ones(1, 1, 4, 4), gradstep.ones(1, 1, 3, 3), padding=1)[0, 0]
    tensor([[4., 6., 6., 4.],
            [6., 9., 9., 6.],
            [6., 9., 9., 6.],
            [4., 6., 6., 4.]])
    """
    return _convolve("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last dims: ``pad`` = (left, right) for the last dim, then (top, bottom) for the one before...

    Negative amounts cut elements off, as in PyTorch.

    >>> import gradstep
    >>> pad(gradstep.ones(1, 2), (1, 2))
    tensor([[0., 1., 1., 0., 0.]])
    """
    if mode != "constant":
        raise NotImplementedError(f"pad(): gradstep supports mode='constant' only, got mode={mode!r}")
    amounts = list(pad)
    if len(amounts) % 2:
        raise ValueError(f"pad(): padding length must be divisible by 2, got {len(amounts)} values {tuple(pad)}")
    if len(amounts) // 2 > input.ndim:
        raise ValueError(
            f"pad(): padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(amounts)} and input of dimension {input.ndim}"
        )
    pairs = [(int(amounts[i]), int(amounts[i + 1])) for i in range(0, len(amounts), 2)][::-1]
    widths = ((0, 0),) * (input.ndim - len(pairs)) + tuple(pairs)
    new_shape = tuple(size + before + after for size, (before, after) in zip(input.shape, widths))
    if min(new_shape, default=1) < 0:
        raise RuntimeError(
            f"pad(): the input of shape {tuple(input.shape)} padded by {tuple(pad)} would have shape {new_shape}"
        )
    return Pad.apply(input, widths=widths, value=0.0 if value is None else value)


def _unfold_window(kernel_size: Any, dilation: Any, padding: Any, stride: Any, function: str) -> Window:
    kernel = as_tuple(kernel_size, 2, "kernel_size")
    dilations, paddings, strides = (as_tuple(dilation, 2, "dilation"), as_tuple(padding, 2, "padding"),
                                    as_tuple(stride, 2, "stride"))
    for values, name in ((kernel, "kernel_size"), (dilations, "dilation"), (strides, "stride")):
        check_positive(values, name, function)
    if min(paddings) < 0:
        raise ValueError(f"{function}(): padding must be non-negative, got padding={paddings}")
    return Window(kernel, strides, dilations, tuple((p, p) for p in paddings))


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Every sliding block of (N, C, H, W) images as columns: (N, C·kh·kw, L), PyTorch's layout.

    >>> import gradstep
    >>> unfold(gradstep.arange(9.).reshape(1, 1, 3, 3), kernel_size=2)[0]
    tensor([[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]])
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"unfold(): expected a 3-D or 4-D input (C, H, W) or (N, C, H, W), got shape {tuple(input.shape)}"
        )
    window = _unfold_window(kernel_size, dilation, padding, stride, "unfold")
    x = input if input.ndim == 4 else input.reshape(1, *input.shape)
    if min(window.output_size(x.shape[2:])) < 1:
        raise RuntimeError(
            f"unfold(): the input's spatial size {tuple(x.shape[2:])} padded by {padding} is smaller than "
            f"the kernel's span {window.spans()}"
        )
    columns = Unfold.apply(x, window=window).transpose(0, 1)  # (C·K, N, L) → (N, C·K, L)
    return columns if input.ndim == 4 else columns.reshape(*columns.shape[1:])


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """The sum of the columns (N, C·kh·kw, L) placed back onto (N, C, *output_size): unfold's adjoint.

    >>> import gradstep
    >>> fold(gradstep.ones(1, 4, 4), output_size=(3, 3), kernel_size=2)[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"fold(): expected a 2-D or 3-D input (C·K, L) or (N, C·K, L), got shape {tuple(input.shape)}"
        )
    window = _unfold_window(kernel_size, dilation, padding, stride, "fold")
    size = as_tuple(output_size, 2, "output_size")
    columns = input if input.ndim == 3 else input.reshape(1, *input.shape)
    taps = math.prod(window.kernel)
    if columns.shape[1] % taps:
        raise RuntimeError(
            f"fold(): expected size of input's dimension 1 to be divisible by the product of kernel_size "
            f"{window.kernel}, but got input.size(1)={columns.shape[1]}"
        )
    blocks = window.output_size(size)
    if min(blocks) < 1 or math.prod(blocks) != columns.shape[2]:
        raise RuntimeError(
            f"fold(): given output_size={size}, kernel_size={window.kernel}, dilation={window.dilation}, "
            f"padding={padding}, stride={window.stride}, expected size of input's dimension 2 to match the "
            f"calculated number of sliding blocks {' * '.join(map(str, blocks))} = {math.prod(blocks)}, "
            f"but got input.size(2)={columns.shape[2]}"
        )
    y = Fold.apply(columns.transpose(0, 1), window=window, output_size=size)
    return y if input.ndim == 3 else y.reshape(*y.shape[1:])
