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
from .hooks import carry_retain
from .grad_mode import is_grad_enabled, no_grad
from .views import CopySlices, check_view_change

if TYPE_CHECKING:
    from .._tensor import Tensor


def change_in_place(
    target: "Tensor",
    name: str,
    compute: Callable[["Tensor"], "Tensor"],
    operands: Sequence[Any] = (),
    write: Callable[[np.ndarray], None] | None = None,
    refuse_overlap: str | None = "partial",
) -> "Tensor":
    """Replace ``target``'s values by ``compute(target)``, in its own memory.

    ``compute`` gets the tensor's current values and returns the new ones, out of place;
    ``write``, when given, does the same change straight on the NumPy memory (the fast path
    when nothing is recorded). ``operands`` are the other tensors the op reads.
    ``refuse_overlap`` says which operands sharing the target's memory are refused, as
    PyTorch refuses them: ``"partial"`` (all but the target itself, as ``x += x``), ``"any"``
    (item assignment) or ``None`` (``fill_``).
    """
    recording = is_grad_enabled() and (
        requires_grad(target) or any(isinstance(t, _tensor.Tensor) and requires_grad(t) for t in operands)
    )
    if recording:
        check_view_change(target, indirect=False)
    if is_grad_enabled():
        _check_not_a_leaf(target, name)
    if refuse_overlap is not None:
        _check_no_overlap(target, operands, refuse_overlap)
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
    if target._base is not None and any(t._grad_fn is None and t._requires_grad for t in (target._base, target)):
        # The base is a weight, or the view itself was made one with requires_grad_().
        raise RuntimeError(
            f"{name}: a view of a leaf Variable that requires grad is being used in an in-place operation. "
            "(Update weights inside `with torch.no_grad():`, or change .data.)"
        )
    # A view made before its base required grad counts as a leaf here until its history is next
    # brought up to date (reading grad_fn, or using it in an op): PyTorch checks the same stale field.
    if target._grad_fn is None and target.requires_grad:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place operation. "
            "(Update weights inside `with torch.no_grad():`, or change .data.)"
        )


def _is_dense(array: np.ndarray) -> bool:
    """Its elements fill one block of memory without gaps or repeats, in some order of its dims."""
    expected = array.itemsize
    for stride, size in sorted((stride, size) for stride, size in zip(array.strides, array.shape) if size != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def memory_overlap(a: "Tensor", b: "Tensor") -> str:
    """How two tensors share memory, judged as PyTorch judges it before an in-place op.

    ``"full"``: the same elements in the same layout (the same tensor, or ``x`` and
    ``x.detach()``); ``"partial"``: some shared memory, laid out differently; ``"none"``;
    or ``"unknown"`` where one has gaps or repeats (``x[::2]``, an expanded tensor): PyTorch
    doesn't look further then.
    """
    if a is b:
        return "full"
    x, y = a._array, b._array
    if x.size == 0 or y.size == 0:
        return "none"
    if not (_is_dense(x) and _is_dense(y)):
        return "unknown"
    x_begin, y_begin = x.__array_interface__["data"][0], y.__array_interface__["data"][0]
    x_end, y_end = x_begin + x.nbytes, y_begin + y.nbytes
    if (x_begin, x_end) == (y_begin, y_end):
        return "full" if _strides_as_in_pytorch(x) == _strides_as_in_pytorch(y) else "partial"
    return "partial" if x_begin < y_end and y_begin < x_end else "none"


def _strides_as_in_pytorch(array: np.ndarray) -> tuple[int, ...]:
    """The strides, with PyTorch's for a dim added by ``None`` (NumPy gives it a stride of 0,
    PyTorch the size times the stride of the next dim)."""
    strides = list(array.strides)
    for dim in reversed(range(array.ndim)):
        if array.shape[dim] == 1 and strides[dim] == 0:
            strides[dim] = array.itemsize if dim == array.ndim - 1 else array.shape[dim + 1] * strides[dim + 1]
    return tuple(strides)


def _check_no_overlap(target: "Tensor", operands: Sequence[Any], refused: str) -> None:
    for operand in operands:
        if not isinstance(operand, _tensor.Tensor):
            continue
        if operand is not target and not np.may_share_memory(target._array, operand._array):
            continue  # memory whose bounds don't meet (the usual case) can't overlap: no need for the layout checks
        overlap = memory_overlap(target, operand)
        if overlap == "partial" or refused == "any" and overlap == "full":
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                f"single memory location (an operand of shape {list(operand.shape)} shares memory with the "
                f"written-to tensor of shape {list(target.shape)}). Please clone() the tensor before performing "
                "the operation."
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
        carry_retain(target, result._grad_fn)
        target._grad_fn, target._requires_grad = result._grad_fn, result._requires_grad
    else:
        CopySlices.rebase(target._base, result, target._view_chain)
