"""Reverse-mode automatic differentiation: the graph, ``backward`` and ``grad``.

``gradstep.autograd.functional`` (Jacobians, Hessians, their products with vectors) loads on
first use: it is built from the ops, a layer above this one.
"""
from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


def __getattr__(name: str):
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'gradstep.autograd' has no attribute {name!r}")
