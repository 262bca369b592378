"""In-place ops (``x.add_(y)``, ``x += y``, ``x[i] = v``) with PyTorch's rules.

An in-place op writes its result into the tensor's own memory, so every view of that
memory sees it, and adds one to the memory's version counter. When the graph is recording
(grad mode on, and the tensor or an operand requires grad), the op is also recorded: the
tensor's history becomes "this op applied to the old history". Ops that used the tensor
before keep the history they were built from; if one of them saved the old values for its
backward, the version counter tells backward that they are gone, and it raises.

The rules, as in PyTorch:

- a leaf that requires grad (a weight) can't be changed in place while grad mode is on —
  its ``.grad`` would no longer mean anything; update weights under ``no_grad()``;
- nor can a view of such a leaf;
- the result must keep the tensor's shape (no broadcasting that grows it) and must be
  castable to its dtype (a float result can't go into an integer tensor).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .. import _dtype, _tensor
from .function import requires_grad
from .grad_mode import is_grad_enabled, no_grad
from .views import CopySlices

if TYPE_CHECKING:
    from .._tensor import Tensor


def change_in_place(
    target: "Tensor",
    name: str,
    compute: Callable[["Tensor"], "Tensor"],
    operands: Sequence[Any] = (),
    write: Callable[[np.ndarray], None] | None = None,
) -> "Tensor":
    """Replace ``target``'s values by ``compute(target)``, in its own memory.

    ``compute`` gets the tensor's current values and returns the new ones, out of place;
    ``write``, when given, does the same change straight on the NumPy memory (the fast path
    when nothing is recorded). ``operands`` are the other tensors the op reads.
    """
    recording = is_grad_enabled() and (
        requires_grad(target) or any(isinstance(t, _tensor.Tensor) and requires_grad(t) for t in operands)
    )
    if is_grad_enabled():
        _check_not_a_leaf(target, name)
    if recording:
        _change_in_graph(target, name, compute)
    elif write is not None:
        _check_writable(target)
        try:
            write(target._array)
        except (TypeError, ValueError):
            with no_grad():  # the same change out of place, to say what doesn't fit
                _check_result(target, compute(target))
            raise
        target._version_counter.bump()
    else:
        with no_grad():
            result = compute(target)
        _store(target, result)
        target._version_counter.bump()
    return target


def _check_not_a_leaf(target: "Tensor", name: str) -> None:
    if target._base is None:
        if target._grad_fn is None and target._requires_grad:
            raise RuntimeError(
                f"{name}: a leaf Variable that requires grad is being used in an in-place operation. "
                "(Update weights inside `with torch.no_grad():`, or change .data.)"
            )
    elif target._base._grad_fn is None and target._base._requires_grad:
        raise RuntimeError(
            f"{name}: a view of a leaf Variable that requires grad is being used in an in-place operation. "
            "(Update weights inside `with torch.no_grad():`, or change .data.)"
        )
    elif target._view_chain is None and target._base._requires_grad:
        raise RuntimeError(
            f"{name}: A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can "
            "clarify your code by moving both the view and the inplace either both inside the no_grad "
            "block (if you don't want the inplace to be tracked) or both outside (if you want the "
            "inplace to be tracked)."
        )


def _check_writable(target: "Tensor") -> None:
    if not target._array.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            f"memory location (an expanded tensor of shape {list(target.shape)}). Please clone() the "
            "tensor before performing the operation."
        )


def _check_result(target: "Tensor", result: "Tensor") -> None:
    """The result must fit the tensor it is written into: same shape, a dtype it can be cast to."""
    if result._array.shape != target._array.shape:
        raise RuntimeError(
            f"output with shape {list(target.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    if not _dtype.can_cast(result.dtype, target.dtype):
        raise RuntimeError(
            f"result type {_dtype.scalar_type_name(result.dtype)} can't be cast to the desired output "
            f"type {_dtype.scalar_type_name(target.dtype)}"
        )


def _store(target: "Tensor", result: "Tensor") -> None:
    _check_result(target, result)
    _check_writable(target)
    np.copyto(target._array, result._array, casting="unsafe")


def _change_in_graph(target: "Tensor", name: str, compute: Callable[["Tensor"], "Tensor"]) -> None:
    """Record the op and give ``target`` (or, for a view, its base) the new history."""
    # The op sees a copy of the old values: its backward may need them after they are overwritten.
    old = _tensor.Tensor._wrap(target._array.copy(), grad_fn=target.grad_fn)
    result = compute(old)
    _check_result(target, result)
    if result._array.dtype != target._array.dtype:
        result = result.to(target.dtype)
    _store(target, result)
    target._version_counter.bump()
    if result._grad_fn is not None:
        result._grad_fn.rebind_saved_output(target)  # what the op saved as its output now lives here
    if target._base is None:
        target._grad_fn, target._requires_grad = result._grad_fn, result._requires_grad
    else:
        CopySlices.rebase(target._base, result, target._view_chain)
