"""``BatchNorm1d`` and ``BatchNorm2d``: normalise every channel over the batch, keep running averages for evaluation.

In training mode a layer normalises with the batch's own mean and variance and updates
``running_mean`` and ``running_var``; after ``model.eval()`` it uses those running averages,
so one image's prediction no longer depends on the rest of its batch.
"""
from __future__ import annotations

from typing import Any

from .. import creation
from .._dtype import int64
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.normalization import batch_norm
from . import init
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input shapes they accept.

    ``momentum=None`` makes the running statistics a plain average over every batch seen
    (``num_batches_tracked`` counts them). ``affine=False`` learns no γ and β; ``bias=False``
    learns γ only.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(creation.zeros(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / int(self.num_batches_tracked.item())
        # Without running statistics there is nothing else to normalise with, even in eval mode.
        use_batch_statistics = self.training or self.running_mean is None
        keeps_running = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if keeps_running else None,
            self.running_var if keeps_running else None,
            self.weight, self.bias, use_batch_statistics, factor, self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) features or (N, C, L) signals, e.g. after a ``Linear`` layer.

    >>> import gradstep
    >>> BatchNorm1d(3)(gradstep.randn(8, 3)).shape
    gradstep.Size([8, 3])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) feature maps: one mean and variance per channel.

    >>> import gradstep
    >>> [name for name, _ in BatchNorm2d(6).state_dict().items()]
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")
