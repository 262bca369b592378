"""Switching the recording of the graph off and on: ``no_grad``, ``enable_grad``."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

_enabled = True

F = TypeVar("F", bound=Callable)


def is_grad_enabled() -> bool:
    return _enabled


class set_grad_enabled:
    """Record the graph (``True``) or not (``False``) inside a ``with`` block or a decorated function.

    >>> import gradstep
    >>> w = gradstep.ones(2, requires_grad=True)
    >>> with gradstep.no_grad():
    ...     (w * 2).requires_grad
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        global _enabled
        self._previous.append(_enabled)
        _enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        global _enabled
        _enabled = self._previous.pop()

    def __call__(self, function: F) -> F:
        mode = self.mode

        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return run_in_mode  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Ops inside do not record the graph: for evaluation and for updating weights by hand.

    Works as ``with no_grad():``, ``@no_grad()`` and, like PyTorch, bare ``@no_grad``.
    """

    def __new__(cls, function: Callable | None = None):
        instance = super().__new__(cls)
        if function is None:
            return instance
        instance.__init__()
        return instance(function)

    def __init__(self, function: Callable | None = None) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record the graph again, even inside ``no_grad``."""

    def __init__(self) -> None:
        super().__init__(True)
