"""``Linear``: y = x Wᵀ + b, the layer of a multilayer perceptron; and ``Identity``."""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from .._tensor import Tensor
from ..ops import linear
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """A fully connected layer with ``weight`` of shape (out_features, in_features).

    Initialised as in PyTorch: weight by kaiming_uniform_ with a=√5, i.e. uniform in
    ±1/√in_features, and bias uniform in the same range.

    >>> import gradstep
    >>> layer = Linear(784, 128, bias=False)
    >>> layer(gradstep.zeros(32, 784)).shape
    gradstep.Size([32, 128])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.zeros(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.zeros(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged; a placeholder where a layer is optional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input
