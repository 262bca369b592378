"""Backpropagation: walk the graph from the loss back to every leaf, applying the chain rule.

The forward pass recorded, for every result, the ``Function`` node that made it, linked to
the nodes that made its inputs. The backward pass visits those nodes in reverse topological
order (every node after all the nodes that used its output), so that when a node is
reached, ∂L/∂(its output) is complete: the sum over every path from the loss. At a leaf the
walk ends in the leaf's ``AccumulateGrad`` node, whose gradient goes to ``leaf.grad``.

With ``create_graph=True`` the walk runs with the graph recording, on tensors instead of
arrays: the gradients it returns have a history of their own and can be differentiated again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from .. import _dtype, _tensor
from .function import FREED_MESSAGE, AccumulateGrad, Function, edge, unbroadcast
from .grad_mode import set_grad_enabled
from .hooks import run_tensor_hooks

if TYPE_CHECKING:
    from .._tensor import Tensor


def topological_order(roots: Iterable[Function]) -> list[Function]:
    """Every node reachable from ``roots``, each after the nodes it takes input from.

    An explicit stack instead of recursion, so a chain of 100,000 ops is no problem. Nodes
    are compared by identity (``Function`` defines no ``__eq__``), so the set holds them directly.
    """
    order: list[Function] = []
    visited: set[Function] = set()
    stack: list[tuple[Function, bool]] = [(node, False) for node in roots]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node.next_nodes:
            if parent is not None and parent not in visited:
                stack.append((parent, False))
    return order


def nodes_leading_to(order: list[Function], targets: set[Function]) -> set[Function]:
    """The nodes of ``order`` whose backward brings a gradient closer to one of ``targets``.

    ``autograd.grad`` runs only these, as PyTorch does: the rest of the graph is neither
    computed nor freed.
    """
    leading: set[Function] = set()
    for node in order:  # inputs' nodes come first
        for parent in node.next_nodes:
            if parent is not None and (parent in targets or parent in leading):
                leading.add(node)
                break
    return leading


def _fit(grad: Any, node: Function) -> Any:
    """``grad`` summed to the shape and cast to the dtype of the node's output."""
    shape, dtype = node.output_meta
    if type(grad) is not np.ndarray:  # a tensor (create_graph), or a NumPy scalar from a 0-d result
        if isinstance(grad, _tensor.Tensor):
            if grad._array.dtype != dtype:
                grad = grad.to(_dtype.from_numpy_dtype(dtype))
            return unbroadcast(grad, shape)
        grad = np.asarray(grad)
    elif grad.shape == shape and grad.dtype == dtype:  # the common case, in a training step six times
        return grad
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return unbroadcast(grad, shape)


def run_backward(
    roots: Sequence["Tensor"],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    targets: set[Function] | None = None,
) -> dict[Function, Any]:
    """Propagate ∂L/∂root through the graph; return the gradient that reached each target node.

    Without ``targets``, the targets are every leaf's ``AccumulateGrad``. With them, only the
    part of the graph leading to them is run.
    """
    grads: dict[Function, Any] = {}
    for root, grad in zip(roots, root_grads):
        node = edge(root)
        grads[node] = grads[node] + grad if node in grads else grad
    order = topological_order(grads)
    to_run = nodes_leading_to(order, targets) if targets is not None else None
    reached: dict[Function, Any] = {}
    with set_grad_enabled(bool(create_graph)):
        for node in reversed(order):
            grad = grads.pop(node, None)
            if grad is None:
                continue
            if node.tensor_hooks or node.retained_by is not None:
                grad = run_tensor_hooks(node, grad)
            if type(node) is AccumulateGrad:  # a leaf: the walk ends here
                if targets is None or node in targets:
                    reached[node] = grad
                continue
            if targets is not None:
                if node in targets:
                    reached[node] = grad
                if node not in to_run:
                    continue
            if node._released:
                raise RuntimeError(FREED_MESSAGE)
            input_grads = node.backward(grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for parent, input_grad in zip(node.next_nodes, input_grads):
                if parent is None or input_grad is None:
                    continue
                input_grad = _fit(input_grad, parent)
                so_far = grads.get(parent)  # the sum over the paths that reach the parent
                grads[parent] = input_grad if so_far is None else so_far + input_grad
    if not retain_graph:
        for node in order if to_run is None else to_run:
            node.release()
    return reached


def _root_grads(outputs: Sequence["Tensor"], grad_outputs: Sequence[Any], create_graph: bool) -> list[Any]:
    grads = []
    for i, (output, given) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad or edge(output) is None:  # (a view made under no_grad requires grad, without a history)
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if given is None:
            if output._array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; this output has shape "
                    f"{tuple(output.shape)}: pass a gradient of that shape, e.g. backward(gradient=torch.ones_like(out))"
                )
            # ∂output/∂output = 1, in an array of its own: nothing else holds it, so no copy is needed.
            ones = np.ones(output._array.shape, dtype=output._array.dtype)
            grads.append(_tensor.Tensor._wrap(ones) if create_graph else ones)
            continue
        given_array = given._array if isinstance(given, _tensor.Tensor) else np.asarray(given)
        if given_array.shape != output._array.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(given_array.shape)} "
                f"and output[{i}] has a shape of {tuple(output._array.shape)}."
            )
        if create_graph:
            grads.append(given if isinstance(given, _tensor.Tensor) else _tensor.Tensor._wrap(given_array))
        else:
            # A copy: it may end up as a leaf's .grad, to be changed in place later.
            grads.append(np.array(given_array, dtype=output._array.dtype))
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

    With ``inputs``, only into those tensors' ``.grad`` (leaves or not).

    >>> import gradstep
    >>> w = gradstep.tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> w.grad
    tensor([2., 4.])
    """
    outputs = _as_sequence(tensors)
    given = _as_sequence(grad_tensors) or [None] * len(outputs)
    only = _as_sequence(inputs)
    retain = create_graph if retain_graph is None else retain_graph
    targets = {edge(t): t for t in only} if only else None
    reached = run_backward(outputs, _root_grads(outputs, given, create_graph), retain, create_graph,
                           targets=set(targets) if targets else None)
    claimed: set[int] = set()
    for node, grad in reached.items():
        tensor = targets[node] if targets else node.variable
        if not tensor.requires_grad:
            continue  # a leaf detach_()ed after it was used: PyTorch's AccumulateGrad skips it too
        accumulate_grad(tensor, grad, claimed)


def accumulate_grad(tensor: "Tensor", grad: Any, claimed: set[int]) -> None:
    """``tensor.grad = grad`` the first time, ``tensor.grad += grad`` after that (gradients add up).

    ``claimed``: the ids of arrays something else holds too, which ``.grad`` gets a copy of.
    """
    if isinstance(grad, _tensor.Tensor):  # create_graph: the gradient keeps its history
        # A copy (recorded) the first time, as PyTorch makes: the gradient may be an expanded,
        # read-only view, and a later first-order backward adds to .grad in place.
        tensor._grad = grad.clone() if tensor._grad is None else tensor._grad + grad
    elif tensor._grad is None:
        # The array becomes the tensor's own .grad, to be changed in place later, unless something
        # else may hold it too: a view of another array, or one already given to another leaf
        # (addition hands the same gradient to both of its inputs).
        shared = grad.base is not None or not grad.flags.writeable or id(grad) in claimed
        claimed.add(id(grad))
        tensor._grad = _tensor.Tensor._wrap(grad.copy() if shared else grad)
    else:
        tensor._grad._array += grad
        tensor._grad._version_counter.bump()


def clear_grads(tensors: Iterable["Tensor"], set_to_none: bool = True) -> None:
    """Forget accumulated gradients before the next backward (they would otherwise add up).

    ``set_to_none`` drops each ``.grad`` (the next backward makes a fresh one); otherwise it
    is filled with zeros in place. ``Module.zero_grad`` and ``Optimizer.zero_grad`` call this.
    """
    for tensor in tensors:
        if tensor._grad is None:
            continue
        if set_to_none:
            tensor._grad = None
        else:
            tensor._grad.detach_().zero_()


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

    With ``create_graph=True`` the result is itself part of the graph, so it can be
    differentiated again: a second derivative.

    >>> import gradstep
    >>> x = gradstep.tensor(3.0, requires_grad=True)
    >>> (dy_dx,) = gradstep.autograd.grad(x ** 3, x, create_graph=True)
    >>> dy_dx, gradstep.autograd.grad(dy_dx, x)
    (tensor(27., grad_fn=<MulBackward0>), (tensor(18.),))
    """
    outputs_list = _as_sequence(outputs)
    inputs_list = _as_sequence(inputs)
    for i, tensor in enumerate(inputs_list):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    given = _as_sequence(grad_outputs) or [None] * len(outputs_list)
    retain = create_graph if retain_graph is None else retain_graph
    nodes = [edge(t) for t in inputs_list]
    reached = run_backward(outputs_list, _root_grads(outputs_list, given, create_graph), retain, create_graph,
                           targets=set(nodes))
    results: list[Tensor | None] = []
    for i, (tensor, node) in enumerate(zip(inputs_list, nodes)):
        found = reached.get(node)
        if found is None:
            if materialize_grads:
                found = np.zeros_like(tensor._array)
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
        if found is None or isinstance(found, _tensor.Tensor):
            results.append(found)
        else:
            results.append(_tensor.Tensor._wrap(np.array(found)))
    return tuple(results)
