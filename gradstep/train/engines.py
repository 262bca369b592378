"""Find which engine, gradstep or PyTorch, a model runs on."""
from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


def engine_of(model: Any) -> ModuleType:
    """The top-level module (``gradstep`` or ``torch``) that the model's parameters come from.

    The training code only uses what both engines share (``no_grad``,
    ``from_numpy``, ``model.train()``...), so it can ask the model which one to call
    instead of importing PyTorch itself.

    Example:
        >>> import gradstep
        >>> engine_of(gradstep.nn.Linear(2, 1)).__name__
        'gradstep'
    """
    first_parameter = next(iter(model.parameters()), None)
    if first_parameter is None:
        raise ValueError("the model has no parameters, so there is nothing to train")
    return sys.modules[type(first_parameter).__module__.split(".")[0]]
