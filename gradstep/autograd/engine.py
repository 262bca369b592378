"""Backpropagation: walk the graph from the loss back to every leaf, applying the chain rule.

The forward pass recorded, for every result, the ``Function`` that made it and that
function's inputs. The backward pass visits those functions in reverse topological order
(every function after all the functions that used its output), so that when a function is
reached, ∂L/∂(its output) is complete: the sum over every path from the loss.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .. import _tensor
from .function import Function, unbroadcast

if TYPE_CHECKING:
    from .._tensor import Tensor


def topological_order(roots: Iterable[Function]) -> list[Function]:
    """Every function reachable from ``roots``, each after the functions it takes input from.

    An explicit stack instead of recursion, so a chain of 100,000 ops is no problem.
    """
    order: list[Function] = []
    visited: set[int] = set()
    stack: list[tuple[Function, bool]] = [(fn, False) for fn in roots]
    while stack:
        fn, inputs_done = stack.pop()
        if inputs_done:
            order.append(fn)
            continue
        if id(fn) in visited:
            continue
        visited.add(id(fn))
        stack.append((fn, True))
        for tensor in fn.inputs:
            parent = tensor.grad_fn
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def functions_leading_to(order: list[Function], targets: Sequence["Tensor"]) -> set[Function]:
    """The functions of ``order`` whose backward brings a gradient closer to one of ``targets``.

    ``autograd.grad`` runs only these, as PyTorch does: the rest of the graph is neither
    computed nor freed.
    """
    target_ids = {id(t) for t in targets}
    # Functions whose output gradient is needed: those that made a target, and (below) those
    # leading to one. ``order`` puts every function after the functions it takes input from.
    needed = {t.grad_fn for t in targets if t.grad_fn is not None}
    leading: set[Function] = set()
    for fn in order:
        if any(id(t) in target_ids or t.grad_fn in needed for t in fn.inputs if t.requires_grad):
            leading.add(fn)
            needed.add(fn)
    return leading


def run_backward(
    roots: Sequence["Tensor"],
    root_grads: Sequence[np.ndarray],
    retain_graph: bool,
    wanted: Sequence["Tensor"] = (),
) -> tuple[dict[int, tuple["Tensor", np.ndarray]], dict[int, np.ndarray]]:
    """Propagate ∂L/∂root to the whole graph.

    Returns the gradients reaching each leaf that requires grad (keyed by ``id``), and those
    reaching the non-leaf tensors in ``wanted``; when ``wanted`` is given, only the part of
    the graph leading to it is run.
    """
    output_grads: dict[Function, np.ndarray] = {}
    leaf_grads: dict[int, tuple[Tensor, np.ndarray]] = {}

    def send(tensor: Tensor, grad: np.ndarray) -> None:
        if grad.dtype != tensor._array.dtype:
            grad = grad.astype(tensor._array.dtype)
        grad = unbroadcast(grad, tensor._array.shape)
        if tensor.grad_fn is None:
            if id(tensor) in leaf_grads:
                grad = leaf_grads[id(tensor)][1] + grad
            leaf_grads[id(tensor)] = (tensor, grad)
        else:
            fn = tensor.grad_fn
            output_grads[fn] = output_grads[fn] + grad if fn in output_grads else grad

    for root, grad in zip(roots, root_grads):
        send(root, grad)

    wanted_by_fn = {id(t.grad_fn): t for t in wanted if t.grad_fn is not None}
    wanted_grads: dict[int, np.ndarray] = {}
    order = topological_order(r.grad_fn for r in roots if r.grad_fn is not None)
    to_run = functions_leading_to(order, wanted) if wanted else set(order)
    for fn in reversed(order):
        grad = output_grads.pop(fn, None)
        if grad is None:
            continue
        if id(fn) in wanted_by_fn:
            wanted_grads[id(wanted_by_fn[id(fn)])] = grad
        if fn not in to_run:
            continue
        input_grads = fn.backward(grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for tensor, input_grad in zip(fn.inputs, input_grads):
            if input_grad is not None and tensor.requires_grad:
                send(tensor, np.asarray(input_grad))
    if not retain_graph:
        for fn in to_run:
            fn.release()
    return leaf_grads, wanted_grads


def _root_grads(outputs: Sequence["Tensor"], grad_outputs: Sequence["Tensor | None"]) -> list[np.ndarray]:
    grads = []
    for i, (output, given) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if given is None:
            if output._array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; this output has shape "
                    f"{tuple(output.shape)}: pass a gradient of that shape, e.g. backward(gradient=torch.ones_like(out))"
                )
            grads.append(np.ones_like(output._array))
            continue
        given_array = given._array if isinstance(given, _tensor.Tensor) else np.asarray(given)
        if given_array.shape != output._array.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(given_array.shape)} "
                f"and output[{i}] has a shape of {tuple(output._array.shape)}."
            )
        grads.append(np.array(given_array, dtype=output._array.dtype))  # a copy: it may end up as a leaf's .grad
    return grads


def _as_sequence(tensors: "Tensor | Sequence[Tensor] | None") -> list:
    if tensors is None:
        return []
    if isinstance(tensors, _tensor.Tensor):
        return [tensors]
    return list(tensors)


def backward(
    tensors: "Tensor | Sequence[Tensor]",
    grad_tensors: "Tensor | Sequence[Tensor | None] | None" = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: "Tensor | Sequence[Tensor] | None" = None,
) -> None:
    """Accumulate ∂tensors/∂leaf into ``leaf.grad`` for every leaf that requires grad.

    >>> import gradstep
    >>> w = gradstep.tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> w.grad
    tensor([2., 4.])
    """
    _refuse_create_graph(create_graph)
    outputs = _as_sequence(tensors)
    given = _as_sequence(grad_tensors) or [None] * len(outputs)
    only = _as_sequence(inputs)
    leaf_grads, _ = run_backward(outputs, _root_grads(outputs, given), bool(retain_graph), wanted=only)
    only_ids = {id(t) for t in only}
    claimed: set[int] = set()
    for key, (leaf, grad) in leaf_grads.items():
        if not only_ids or key in only_ids:
            _accumulate_grad(leaf, grad, claimed)


def _accumulate_grad(leaf: "Tensor", grad: np.ndarray, claimed: set[int]) -> None:
    """``leaf.grad = grad`` the first time, ``leaf.grad += grad`` after that (gradients add up)."""
    if leaf.grad is None:
        # The array becomes the leaf's own .grad, to be changed in place later, unless something
        # else may hold it too: a view of another array, or one already given to another leaf
        # (addition hands the same gradient to both of its inputs).
        shared = grad.base is not None or not grad.flags.writeable or id(grad) in claimed
        claimed.add(id(grad))
        leaf.grad = _tensor.Tensor._wrap(grad.copy() if shared else grad)
    else:
        leaf.grad._array += grad


def clear_grads(tensors: Iterable["Tensor"], set_to_none: bool = True) -> None:
    """Forget accumulated gradients before the next backward (they would otherwise add up).

    ``set_to_none`` drops each ``.grad`` (the next backward makes a fresh one); otherwise it
    is filled with zeros in place. ``Module.zero_grad`` and ``Optimizer.zero_grad`` call this.
    """
    for tensor in tensors:
        if tensor.grad is None:
            continue
        if set_to_none:
            tensor.grad = None
        else:
            tensor.grad.zero_()


def grad(
    outputs: "Tensor | Sequence[Tensor]",
    inputs: "Tensor | Sequence[Tensor]",
    grad_outputs: "Tensor | Sequence[Tensor | None] | None" = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple["Tensor | None", ...]:
    """∂outputs/∂inputs, returned as a tuple; ``.grad`` of the inputs is left alone.

    >>> import gradstep
    >>> x = gradstep.tensor(3.0, requires_grad=True)
    >>> gradstep.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    _refuse_create_graph(create_graph)
    outputs_list = _as_sequence(outputs)
    inputs_list = _as_sequence(inputs)
    for i, tensor in enumerate(inputs_list):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    given = _as_sequence(grad_outputs) or [None] * len(outputs_list)
    leaf_grads, wanted_grads = run_backward(
        outputs_list, _root_grads(outputs_list, given), bool(retain_graph), wanted=inputs_list
    )
    results: list[Tensor | None] = []
    for i, tensor in enumerate(inputs_list):
        found = leaf_grads[id(tensor)][1] if id(tensor) in leaf_grads else wanted_grads.get(id(tensor))
        if found is None:
            if materialize_grads:
                found = np.zeros_like(tensor._array)
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
        results.append(None if found is None else _tensor.Tensor._wrap(np.array(found)))
    return tuple(results)


def _refuse_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (gradients of gradients) is not supported: gradstep's backward "
            "computes first derivatives with NumPy arrays, outside the graph"
        )
