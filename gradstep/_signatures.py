"""Two ways PyTorch's public functions take their arguments beyond the op itself.

- NumPy's names: ``x.sum(axis=0, keepdims=True)`` is ``x.sum(dim=0, keepdim=True)``.
- ``out=``: ``torch.mul(a, b, out=c)`` computes ``a * b`` and writes it into ``c``.

Each is a decorator, so an op is written once, with PyTorch's own names.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .autograd.grad_mode import is_grad_enabled

_NUMPY_NAMES = (("axis", "dim"), ("keepdims", "keepdim"))


def accepts_numpy_names(function: Callable) -> Callable:
    """Let ``function`` take ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as PyTorch does.

    >>> @accepts_numpy_names
    ... def total(values, dim=None, keepdim=False):
    ...     return dim, keepdim
    >>> total([1, 2], axis=0, keepdims=True)
    (0, True)
    """

    @functools.wraps(function)
    def with_numpy_names(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for numpy_name, torch_name in _NUMPY_NAMES:
                if numpy_name in kwargs:
                    if torch_name in kwargs:
                        raise TypeError(
                            f"{function.__name__}() got both {torch_name}= and {numpy_name}=, "
                            "which are two names for one argument"
                        )
                    kwargs[torch_name] = kwargs.pop(numpy_name)
        return function(*args, **kwargs)

    return with_numpy_names


def accepts_out(function: Callable) -> Callable:
    """Let ``function`` take ``out=``: its result is written into that tensor, which is returned.

    As in PyTorch, ``out`` keeps its dtype (the result must convert to it without losing
    its kind: no float into an integer tensor), takes the result's shape, and cannot be
    used where autograd would have to record the op.
    """

    @functools.wraps(function)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return function(*args, **kwargs)
        from ._tensor import Tensor

        if not isinstance(out, Tensor):
            raise TypeError(f"{function.__name__}(): out must be a Tensor, got {type(out).__name__}")
        result = function(*args, **kwargs)
        if is_grad_enabled() and (result.requires_grad or out.requires_grad):
            raise RuntimeError(
                f"{function.__name__}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."
            )
        return write_into(out, result, function.__name__)

    return with_out


def write_into(out: Any, result: Any, name: str) -> Any:
    """Copy ``result`` into ``out`` (resizing ``out`` if its shape differs) and return ``out``."""
    if not _can_cast(result.dtype, out.dtype):
        raise RuntimeError(
            f"{name}(): result type {result.dtype.name} can't be cast to the desired output type {out.dtype.name}"
        )
    if out.shape != result.shape:
        if out.numel() != 0:
            warnings.warn(
                f"{name}(): an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape {list(result.shape)}",
                UserWarning,
                stacklevel=3,
            )
        out.data = result.to(out.dtype).detach().clone()
        return out
    return out.copy_(result)


def _can_cast(source: Any, target: Any) -> bool:
    # PyTorch's canCast: never from floating point to an integer, nor from a number to bool.
    if source.is_floating_point and not target.is_floating_point:
        return False
    return not (source.name != "bool" and target.name == "bool")
