"""``Flatten``: images (N, 1, 28, 28) become rows (N, 784) for a Linear layer."""
from __future__ import annotations

from .._tensor import Tensor
from ..ops import flatten
from .module import Module


class Flatten(Module):
    """Flattens dims ``start_dim`` .. ``end_dim`` into one; the batch dim 0 is kept by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
