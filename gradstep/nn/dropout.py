"""``Dropout`` and ``Dropout2d``: in training, zero inputs (or whole channels) with probability p.

The survivors are scaled by 1/(1−p), so the expected value of every input is unchanged.
"""
from __future__ import annotations

from .._tensor import Tensor
from .functional import dropout, dropout2d
from .module import Module


class Dropout(Module):
    """Random zeroing in training mode; the identity in evaluation mode (``model.eval()``)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zeroes whole channels of (N, C, H, W) feature maps in training mode; the identity in evaluation mode.

    >>> import gradstep
    >>> Dropout2d(0.5).eval()(gradstep.ones(1, 2, 3, 3)).sum().item()
    18.0
    """

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training)
