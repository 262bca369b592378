"""Views: tensors that share memory with another tensor, and how their histories stay right.

``x[0]``, ``x.t()``, ``x.view(6)``, ``x.expand(...)``: the result is a window onto ``x``'s
memory, as in PyTorch. Writing through the window changes ``x``. A view remembers its
*base* (the tensor that owns the memory) and the chain of view ops that leads from the
base to it, so that:

- an in-place change through a view gives the base a new history (``CopySlices``): the
  base is now "the old base with this region replaced by the new values";
- the view's own history is then re-derived from the base's new one, the next time it is
  asked for (a view's history is stale when the shared version counter moved on).

Two kinds of view can't take part in that, as in PyTorch: a view made under ``no_grad`` (of
a tensor that requires grad), and a result of ``split``, ``chunk`` or ``unbind``. Changing one
in place while the graph records, or using one in the graph after its memory was changed in
place, raises: what the gradient should be is ambiguous there.

>>> import gradstep
>>> w = gradstep.ones(3, requires_grad=True)
>>> h = w * 1
>>> h[0] = w[1] * 5          # writes through the view h[0]
>>> h.grad_fn
<CopySlices object>
>>> h.sum().backward(); w.grad
tensor([0., 6., 1.])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .function import Function, edge
from .grad_mode import enable_grad, is_grad_enabled, thread_mode
from .hooks import carry_retain

if TYPE_CHECKING:
    from .._tensor import Tensor

ViewChain = tuple[tuple[type[Function], dict[str, Any]], ...]

NO_GRAD = "no_grad"  # made while the graph wasn't recording
MULTI_OUTPUT = "multi_output"  # one of the views split, chunk or unbind return


def track_view(view: "Tensor", source: "Tensor", op: type[Function], options: dict[str, Any]) -> None:
    """``view`` = ``op(source)`` shares ``source``'s memory: link it to the base and its counter."""
    if view._array.size and not np.may_share_memory(view._array, source._array):
        return  # the op had to copy (reshape of a non-contiguous tensor): not a view (an empty result always is one)
    view._version_counter = source._version_counter
    if source._base is None:
        view._base, view._view_chain = source, ((op, options),)
    else:
        view._base, view._view_chain = source._base, source._view_chain + ((op, options),)
    view._view_version = view._version_counter.value
    view._creation_meta = source._creation_meta if thread_mode.enabled else NO_GRAD


def mark_multi_output(views: tuple["Tensor", ...]) -> tuple["Tensor", ...]:
    """The views of ``split``, ``chunk`` and ``unbind``: they may not be changed in place while recording."""
    if is_grad_enabled():
        for view in views:
            if view._base is not None:
                view._creation_meta = MULTI_OUTPUT
    return views


def check_view_change(view: "Tensor", indirect: bool) -> None:
    """Refuse a change in place, while recording, to a view made under no_grad or by split/chunk/unbind.

    ``indirect``: the change was made to the base or to another view, and ``view`` is now used.
    """
    if view._base is None or view._creation_meta is None:
        return
    change = "its base or another view of its base has been" if indirect else "is being"
    made_by = f"This tensor (made by {view._grad_fn.name()})" if view._grad_fn is not None else None
    if view._creation_meta == NO_GRAD or made_by is None:
        prefix = f"{made_by} is a view of a view which was created in" if made_by else "A view was created in"
        message = f"{prefix} no_grad mode and {change} modified inplace with grad mode enabled."
    else:
        message = f"{made_by} is a view and {change} modified inplace."
    if view._creation_meta == MULTI_OUTPUT:
        message += (
            " This view is the output of a function that returns multiple views. Such functions do not allow "
            "the output views to be modified inplace. You should replace the inplace operation by an out-of-place one."
        )
    else:
        message += (
            " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
            "moving both the view and the inplace either both inside the no_grad block (if you don't want the "
            "inplace to be tracked) or both outside (if you want the inplace to be tracked)."
        )
    raise RuntimeError(message)


def replay(chain: ViewChain, value: Any) -> Any:
    """Apply the view ops of ``chain`` to a tensor (recorded in the graph) or to an array."""
    for op, options in chain:
        value = op.run(value, **options)
    return value


def refresh_history(view: "Tensor") -> None:
    """Re-derive a view's history from its base after an in-place change to their memory."""
    if view._grad_fn is None and not view._base._requires_grad:
        return  # no history to bring up to date
    check_view_change(view, indirect=True)
    view._view_version = view._version_counter.value
    with enable_grad():
        fresh = replay(view._view_chain, view._base)
    carry_retain(view, fresh._grad_fn)
    view._grad_fn, view._requires_grad = fresh._grad_fn, True


class CopySlices(Function):
    """The base of a view after an in-place change made through the view.

    new_base = old_base with the view's region replaced by ``values``. So the gradient of
    the old base is the incoming gradient with that region zeroed (those numbers were
    overwritten), and the gradient of ``values`` is the incoming gradient's region.
    """

    chain: ViewChain = ()

    @classmethod
    def rebase(cls, base: "Tensor", values: "Tensor", chain: ViewChain) -> None:
        """Make ``base``'s history: its region ``chain`` was just overwritten with ``values``."""
        node = cls()
        node.chain = chain
        node.next_nodes = (edge(base), edge(values))
        node.needs_input_grad = (base._requires_grad, values._requires_grad)
        node.output_meta = (base._array.shape, base._array.dtype)
        outside_region = np.ones(base._array.shape, dtype=base._array.dtype)
        replay(chain, outside_region)[...] = 0
        node.save_for_backward(outside_region)
        carry_retain(base, node)
        base._grad_fn, base._requires_grad = node, True

    def backward(self, grad: Any) -> tuple[Any, Any]:
        (outside_region,) = self.saved_tensors
        grad_base = grad * outside_region if self.needs_input_grad[0] else None
        grad_values = replay(self.chain, grad) if self.needs_input_grad[1] else None
        return grad_base, grad_values

    def name(self) -> str:
        return "CopySlices"
