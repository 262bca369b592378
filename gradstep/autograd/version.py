"""Version counters: how backward knows that a value it saved was changed in place.

Every tensor has a counter, shared with every tensor that shares its memory (its views,
``detach()``). Each in-place op adds one. An op that saves a tensor for its backward also
notes the counter's value then; if the value differs when backward runs, the saved numbers
are not the ones the forward pass used, and backward refuses instead of computing a wrong
gradient.

>>> import gradstep
>>> x = gradstep.ones(3)
>>> view = x[1:]
>>> view.mul_(2)._version, x._version
(1, 1)
"""
from __future__ import annotations


class VersionCounter:
    """A count of the in-place changes to one block of memory."""

    value = 0
    """Read from the class until the first change: a counter is made for every tensor, and so
    making one runs no Python code (no ``__init__``)."""

    def bump(self) -> None:
        self.value += 1
