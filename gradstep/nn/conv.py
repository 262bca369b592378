"""``Conv1d`` and ``Conv2d``: layers that slide learned kernels over signals and images."""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from .._tensor import Tensor
from ..ops.conv import as_tuple, conv1d, conv2d
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What Conv1d and Conv2d share: the checks, the parameters, PyTorch's initialisation and repr.

    The weight has shape (out_channels, in_channels/groups, *kernel_size); like ``Linear`` it
    starts uniform in ±1/√fan_in (kaiming_uniform_ with a=√5), fan_in = in_channels/groups·kh·kw,
    and so does the bias.
    """

    _dims = 0

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dims = self._dims
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"in_channels must be divisible by groups (in_channels={in_channels}, groups={groups})")
        if out_channels % groups:
            raise ValueError(f"out_channels must be divisible by groups (out_channels={out_channels}, groups={groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        if padding_mode != "zeros":
            raise NotImplementedError(f"gradstep's convolutions pad with zeros only, got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = as_tuple(kernel_size, dims, "kernel_size")
        self.stride = as_tuple(stride, dims, "stride")
        self.dilation = as_tuple(dilation, dims, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
            if padding == "same" and max(self.stride) != 1:
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = as_tuple(padding, dims, "padding")
        self.padding_mode = padding_mode
        self.weight = Parameter(creation.zeros(out_channels, in_channels // groups, *self.kernel_size,
                                               dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.zeros(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv1d(_ConvNd):
    """A 1-D convolution over (N, C, L) signals.

    >>> import gradstep
    >>> Conv1d(2, 4, kernel_size=3)(gradstep.zeros(8, 2, 10)).shape
    gradstep.Size([8, 4, 8])
    """

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """A 2-D convolution over (N, C, H, W) images: out_channels learned kernels of in_channels × kh × kw.

    >>> import gradstep
    >>> layer = Conv2d(1, 6, kernel_size=5, padding=2)
    >>> layer
    Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
    >>> layer(gradstep.zeros(8, 1, 28, 28)).shape
    gradstep.Size([8, 6, 28, 28])
    """

    _dims = 2

    def forward(self, input: Tensor) -> Tensor:
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
