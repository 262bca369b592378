"""Switching the recording of the graph off and on: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The mode belongs to a thread, as in PyTorch: every thread starts recording, and a block
that turns recording off in one thread (a server evaluating under ``no_grad``) leaves every
other thread (one that trains) as it was.
"""
from __future__ import annotations

import functools
import threading
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)


class _Mode(threading.local):
    enabled = True  # each thread's own value, True until the thread changes it


thread_mode = _Mode()
"""``thread_mode.enabled``: whether this thread records the graph. ``Function.apply`` reads it directly:
it runs for every op, and the attribute costs less than a call to ``is_grad_enabled``."""


def is_grad_enabled() -> bool:
    return thread_mode.enabled


class _GradModeBlock:
    """A ``with`` block, or a decorated function, that records the graph (``mode`` True) or not.

    On the way out it puts back the mode it found on the way in.
    """

    def __init__(self, mode: bool) -> None:
        self.mode = mode
        self._previous: list[bool] = []  # a stack: a decorated function may call itself

    def __enter__(self) -> None:
        self._previous.append(thread_mode.enabled)
        thread_mode.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        thread_mode.enabled = self._previous.pop()

    def __call__(self, function: F) -> F:
        mode = self.mode

        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with _GradModeBlock(mode):  # a block of its own per call: calls from two threads don't mix
                return function(*args, **kwargs)

        return run_in_mode  # type: ignore[return-value]


class set_grad_enabled(_GradModeBlock):
    """Record the graph (``True``) or not (``False``): called on its own, in a ``with`` block, or as a decorator.

    Called on its own it switches the mode until the next switch, as in PyTorch; in a
    ``with`` block, or on a decorated function, the mode found before comes back afterwards.

    >>> import gradstep
    >>> w = gradstep.ones(2, requires_grad=True)
    >>> with gradstep.set_grad_enabled(False):
    ...     (w * 2).requires_grad
    False
    >>> _ = gradstep.set_grad_enabled(False); (w * 2).requires_grad
    False
    >>> _ = gradstep.set_grad_enabled(True); (w * 2).requires_grad
    True
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        super().__init__(mode)
        self._found = thread_mode.enabled
        thread_mode.enabled = mode  # at once: set_grad_enabled(False) on a line of its own turns recording off

    def __enter__(self) -> None:
        self._previous.append(self._found)  # the mode before this object switched it
        thread_mode.enabled = self.mode

    def __call__(self, function: F) -> F:
        thread_mode.enabled = self._found  # as a decorator it switches only while the function runs
        return super().__call__(function)

    def __repr__(self) -> str:
        return f"gradstep.set_grad_enabled(mode={self.mode})"


class no_grad(_GradModeBlock):
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


class enable_grad(_GradModeBlock):
    """Record the graph again, even inside ``no_grad``."""

    def __init__(self) -> None:
        super().__init__(True)
