"""``Function``: one op of the graph, its forward and its backward side by side.

Every differentiable op in ``gradstep/ops`` is a subclass. ``forward`` computes the result
from NumPy arrays and keeps what the backward will need; ``backward`` receives ∂L/∂output
and returns ∂L/∂input for each input, by the chain rule:

    ∂L/∂input = ∂L/∂output · ∂output/∂input

Example, the op ``z = x * y``::

    class Mul(Function):
        def forward(self, x, y):
            self.save_for_backward(x, y)
            return x * y

        def backward(self, grad):
            x, y = self.saved_tensors
            return grad * y, grad * x      # ∂z/∂x = y, ∂z/∂y = x

A recorded op is a node of the graph: it links to the nodes that made its inputs
(``next_functions``), never to the input tensors themselves. So when a tensor is later
changed in place and gets a new history, every op that already used it keeps the history
it was built from.

The same ``backward`` serves two purposes. For first derivatives it runs on NumPy arrays.
With ``create_graph=True`` it runs on tensors, with the graph recording, so the gradient it
returns can itself be differentiated: written once, with operators and the functions of
``gradstep.ops.backward_math``, a formula works on both.
"""
from __future__ import annotations

import inspect
import weakref
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .. import _dtype, _tensor
from .grad_mode import thread_mode

if TYPE_CHECKING:
    from collections import OrderedDict

    from .._tensor import Tensor


FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Function:
    """Base class of every differentiable op; an instance is a node of the graph (``grad_fn``)."""

    is_view = False
    """True for ops whose result shares the input's memory (reshape, transpose, slicing, ...)."""

    pytorch_name: str | None = None
    """PyTorch's name for this node where it isn't ``<ClassName>Backward0`` (``NllLossBackward0``)."""

    keeps_indices = False
    """True for ops that keep index arrays for backward as attributes (max along a dim,
    ``x[idx]``): like saved tensors, they count as freed after a backward without retain_graph."""

    next_nodes: tuple["Function | None", ...] = ()
    """The node that made each input (``None`` for an input that needs no gradient)."""

    needs_input_grad: tuple[bool, ...] = ()
    _saved: tuple[Any, ...] = ()
    _released = False
    output_meta: tuple[tuple[int, ...], np.dtype] = ((), np.dtype(np.float32))
    """Shape and dtype of the output: each gradient sent here is summed and cast to fit."""

    tensor_hooks: "OrderedDict[int, Callable] | None" = None
    """Hooks registered on the tensor this node made (``register_hook``), run on its gradient."""

    retained_by: "weakref.ref[Tensor] | None" = None
    """The tensor this node made, when it keeps its gradient (``retain_grad``)."""

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep arrays of the forward pass for the backward pass: backprop reuses them.

        Save only the op's inputs (the very arrays ``forward`` received), its output, or
        constants that don't depend on the inputs differentiably (masks, indices): those are
        what a second derivative can follow back through the graph. ``None`` holds a place
        for something not needed this time.
        """
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What forward saved: NumPy arrays, or tensors in the graph when ``create_graph`` is on."""
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        as_tensors = thread_mode.enabled
        return tuple([_unpack(saved, self, as_tensors) for saved in self._saved])

    def release(self) -> None:
        """Free what forward saved; a later backward through this node then raises."""
        if self._saved or self.keeps_indices:
            self._saved = ()
            self._released = True

    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: Any) -> Any:
        raise NotImplementedError

    def name(self) -> str:
        """PyTorch's name for the node, e.g. ``MulBackward0``."""
        return self.pytorch_name or f"{type(self).__name__}Backward0"

    @property
    def next_functions(self) -> tuple[tuple["Function | None", int], ...]:
        """PyTorch's view of the edges: ``(node, output index)`` for each input."""
        return tuple((node, 0) for node in self.next_nodes)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    written_as_in_pytorch = False
    """True for a user's function, with ``forward(ctx, ...)`` and ``backward(ctx, grad)`` on tensors,
    static as PyTorch asks (``custom_function.py``); gradstep's own ops work on arrays."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        static = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)
        cls.written_as_in_pytorch = static or not cls.__module__.startswith("gradstep.")

    def __call__(self, *grads: Any) -> Any:
        return self.backward(*grads)

    @classmethod
    def apply(cls, *inputs: "Tensor", **options: Any) -> "Tensor":
        """Run the op on tensors; record it in the graph when an input requires grad."""
        if cls.written_as_in_pytorch:
            return custom_function.apply(cls, inputs, options)
        fn = cls()
        # map() rather than comprehensions, which Python 3.11 runs as functions of their own: an op
        # on a tiny tensor takes microseconds, and this bookkeeping is a large share of them.
        needs_input_grad = tuple(map(requires_grad, inputs))
        record = True in needs_input_grad and thread_mode.enabled
        fn.needs_input_grad = needs_input_grad if record else (False,) * len(inputs)
        output = fn.forward(*map(_array_of, inputs), **options)
        result = _tensor.Tensor._wrap(output)
        if cls.is_view:
            views.track_view(result, inputs[0], cls, options)
        if record:
            fn.next_nodes = tuple(map(edge, inputs))
            fn.output_meta = (result._array.shape, result._array.dtype)
            result._grad_fn, result._requires_grad = fn, True
            if fn._saved:
                fn._saved = tuple([_pin(array, inputs, result, output) for array in fn._saved])
        return result

    @classmethod
    def run(cls, input: Any, /, **options: Any) -> Any:  # noqa: A002 - an op's input, as in PyTorch
        """The op on a tensor (recorded in the graph), or straight on a NumPy array.

        Backward formulas use it for the ops they are made of, so that one formula serves
        first derivatives (arrays) and ``create_graph`` (tensors).
        """
        if isinstance(input, _tensor.Tensor):
            return cls.apply(input, **options)
        return cls().forward(input, **options)

    def rebind_saved_output(self, tensor: "Tensor") -> None:
        """The output this op saved now lives in ``tensor`` (an in-place op wrote it there)."""
        for saved in self._saved:
            if type(saved) is SavedTensor and saved.is_output:
                saved.array, saved.counter = tensor._array, tensor._version_counter
                saved.version = tensor._version_counter.value


class AccumulateGrad(Function):
    """The node at a leaf tensor: the gradient arriving here ends up in ``leaf.grad``."""

    def __init__(self, leaf: "Tensor") -> None:
        self.variable = leaf
        self.output_meta = (leaf._array.shape, leaf._array.dtype)

    @property
    def tensor_hooks(self) -> "OrderedDict[int, Callable] | None":
        return self.variable._hooks  # a leaf keeps its hooks itself: this node lives only as long as a graph uses it

    def name(self) -> str:
        return "AccumulateGrad"


class SavedTensor:
    """An input or the output of an op, kept for its backward, with the version it had then.

    An input is kept as the tensor itself, as PyTorch keeps it: ``x.data = ...`` after the op
    changes what its backward reads. The output is kept as its array.
    """

    __slots__ = ("array", "input", "counter", "version", "node", "leaf", "is_output", "description")

    def __init__(self, tensor: "Tensor", is_output: bool) -> None:
        self.array, self.counter = tensor._array, tensor._version_counter
        self.input = None if is_output else tensor
        self.version = self.counter.value
        self.is_output = is_output
        self.node = None if is_output else tensor._grad_fn
        self.leaf = tensor if tensor._grad_fn is None and tensor._requires_grad else None

    def unpack(self, owner: Function, as_tensor: bool) -> Any:
        if self.counter.value != self.version:
            raise RuntimeError(self._modified_message(owner))
        if self.input is not None:
            self.array = self.input._array
        if not as_tensor:
            return self.array
        if self.leaf is not None:
            return self.leaf
        node = owner if self.is_output else self.node
        return _tensor.Tensor._wrap(self.array, grad_fn=node)

    def _modified_message(self, owner: Function) -> str:
        type_name = _dtype.legacy_type_name(_dtype.from_numpy_dtype(self.array.dtype))
        made_by = owner if self.is_output else self.node
        origin = f", which is output 0 of {made_by.name()}," if made_by is not None else ""
        return (
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [gradstep.{type_name} {list(self.array.shape)}]{origin} is at version "
            f"{self.counter.value}; expected version {self.version} instead. Hint: the tensor was "
            "changed in place after an op saved it for backward; change a copy (x = x * 2, or "
            "x.clone()) instead."
        )


def _unpack(saved: Any, owner: Function, as_tensor: bool) -> Any:
    if type(saved) is SavedTensor:
        return saved.unpack(owner, as_tensor)
    if saved is None or not as_tensor:
        return saved
    return _tensor.Tensor._wrap(saved)  # a constant: no history


def _pin(array: Any, inputs: tuple["Tensor", ...], output: "Tensor", forward_result: Any) -> Any:
    """Remember whether a saved array is an input, the output, or a constant of the op.

    ``forward_result`` is what ``forward`` returned: for a 0-d result NumPy gives a scalar,
    which the output tensor holds as a new 0-d array.
    """
    for tensor in inputs:
        if array is tensor._array:
            return SavedTensor(tensor, is_output=False)
    if array is output._array or array is forward_result:
        return SavedTensor(output, is_output=True)
    return array


_array_of = attrgetter("_array")
"""``_array_of(tensor)`` is ``tensor._array``, the NumPy array behind it."""


def requires_grad(tensor: "Tensor") -> bool:
    """``tensor.requires_grad``, read without a property call for the common tensor that isn't a view."""
    return tensor._requires_grad if tensor._base is None else tensor.requires_grad


def edge(tensor: "Tensor") -> Function | None:
    """The node a gradient for ``tensor`` goes to: the op that made it, or its leaf's accumulator."""
    node = tensor._grad_fn if tensor._base is None else tensor.grad_fn
    if node is not None or not tensor._requires_grad:
        return node
    accumulator = tensor._accumulator() if tensor._accumulator is not None else None
    if accumulator is None:
        accumulator = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(accumulator)
    return accumulator


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` back to ``shape``: a value broadcast to many places gets all their gradients.

    If x of shape (3, 1) was broadcast to (2, 3, 4) in the forward pass, every element of x
    was used 2 * 4 times, so its gradient is the sum over those uses. Works on arrays and
    on tensors alike.
    """
    if grad.shape == shape:
        return grad
    extra_dims = grad.ndim - len(shape)
    if extra_dims:
        grad = grad.sum(axis=tuple(range(extra_dims)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


# These build on Function and edge, so their modules come last; apply() uses them at call time.
from . import custom_function, views  # noqa: E402
