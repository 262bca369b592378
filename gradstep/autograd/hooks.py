"""Hooks: functions that see a gradient on its way, or a module's inputs and outputs.

``tensor.register_hook(hook)`` calls ``hook(grad)`` whenever the gradient with respect to
that tensor has been summed over every path from the loss; a tensor it returns takes the
gradient's place from there on (for the tensor's own ``.grad`` and for everything behind
it). ``tensor.retain_grad()`` keeps that gradient in the ``.grad`` of a tensor that is not a
leaf, after the hooks.

Where they live, as in PyTorch: a leaf's hooks on the leaf; a result's hooks on the node
that made it, so that a hook registered before an in-place change still sees the gradient of
the old value. Only ``retain_grad`` follows the tensor to its new node (``carry_retain``).

>>> import gradstep
>>> w = gradstep.tensor([1.0, 2.0], requires_grad=True)
>>> y = w * 3
>>> handle = y.register_hook(lambda grad: grad * 10)
>>> y.retain_grad()
>>> y.sum().backward(); y.grad, w.grad
(tensor([10., 10.]), tensor([30., 30.]))
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable

from .. import _dtype, _tensor

if TYPE_CHECKING:
    from .._tensor import Tensor
    from .function import Function


class RemovableHandle:
    """What registering a hook returns: ``handle.remove()`` takes the hook away again."""

    _next_id = 0

    def __init__(self, hooks: "OrderedDict[int, Any]", hook: Callable) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        hooks[self.id] = hook

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()


def register_hook(tensor: "Tensor", hook: Callable[["Tensor"], "Tensor | None"]) -> RemovableHandle:
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node = tensor.grad_fn
    if node is None:  # a leaf
        if tensor._hooks is None:
            tensor._hooks = OrderedDict()
        return RemovableHandle(tensor._hooks, hook)
    if node.tensor_hooks is None:
        node.tensor_hooks = OrderedDict()
    return RemovableHandle(node.tensor_hooks, hook)


def retain_grad(tensor: "Tensor") -> None:
    if not tensor.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    node = tensor.grad_fn
    if node is not None:  # a leaf keeps its gradient anyway
        node.retained_by = weakref.ref(tensor)


def retains_grad(tensor: "Tensor") -> bool:
    node = tensor._grad_fn  # as it stands: a view brought up to date later carries its retain_grad along
    return node is not None and node.retained_by is not None and node.retained_by() is tensor


def carry_retain(tensor: "Tensor", node: "Function | None") -> None:
    """``tensor`` is about to be made by ``node`` (an in-place change gives it a new history):
    if it retains its gradient, the new node keeps it from now on."""
    old = tensor._grad_fn
    if node is not None and retains_grad(tensor):
        node.retained_by, old.retained_by = old.retained_by, None


def run_tensor_hooks(node: "Function", grad: Any) -> Any:
    """The gradient of the tensor ``node`` made, after that tensor's hooks; kept in ``.grad`` if it retains it.

    ``grad`` is an array (first derivatives) or a tensor (``create_graph``); hooks always get a
    tensor, and what comes back has the kind ``grad`` had.
    """
    value = grad if isinstance(grad, _tensor.Tensor) else _tensor.Tensor._wrap(grad)
    for hook in list((node.tensor_hooks or {}).values()):
        changed = hook(value)
        if changed is not None:
            _check_hook_result(hook, value, changed)
            value = changed
    passed_on = value if isinstance(grad, _tensor.Tensor) else value._array
    retaining = node.retained_by() if node.retained_by is not None else None
    if retaining is not None:  # .grad gets a copy: the engine passes this same gradient on (so: claimed)
        engine.accumulate_grad(retaining, passed_on, claimed={id(passed_on)})
    return passed_on


def _check_hook_result(hook: Callable, before: "Tensor", after: Any) -> None:
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(after, _tensor.Tensor):
        raise TypeError(f"expected a Tensor or None, but hook '{name}' returned '{type(after).__name__}'")
    if after._array.shape != before._array.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {list(before.shape)}, got {list(after.shape)})")
    if after._array.dtype != before._array.dtype:
        was, got = (_dtype.legacy_type_name(t.dtype) for t in (before, after))
        raise RuntimeError(f"hook '{name}' has changed the type of value (was gradstep.{was} got gradstep.{got})")


# The engine runs these hooks; its way of adding a gradient into .grad is used here at call time.
from . import engine  # noqa: E402
