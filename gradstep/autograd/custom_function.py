"""Functions with a backward of your own, written as in PyTorch: static ``forward(ctx, ...)`` and ``backward(ctx, grad)``.

    class Cube(gradstep.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2      # the chain rule: ∂L/∂x = ∂L/∂y · dy/dx

``Cube.apply(x)`` runs ``forward`` with the graph switched off, so its ops leave no trace,
and, when an input requires grad, puts one node in the graph instead: ``ctx``, a
``CustomBackward`` whose backward calls yours. Both of your methods work on tensors; the
backward returns one gradient for each argument of ``forward`` (``None`` where there is
none), and its ops are recorded when the backward runs with ``create_graph=True``, so a
second derivative goes through them.

As in PyTorch, ``forward`` may instead leave out ``ctx`` when the class defines
``setup_context(ctx, inputs, output)``. gradstep's own ops subclass ``Function`` too, in
its array form (``function.py``); ``Function.apply`` tells the two apart by where the class
is defined, or by ``forward`` being a staticmethod.

>>> import gradstep
>>> class Cube(gradstep.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, grad):
...         (x,) = ctx.saved_tensors
...         return grad * 3 * x ** 2
>>> x = gradstep.tensor([1.0, 2.0], requires_grad=True)
>>> y = Cube.apply(x)
>>> y.sum().backward(); y.grad_fn.name(), x.grad
('CubeBackward', tensor([ 3., 12.]))
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _tensor
from .function import FREED_MESSAGE, Function, SavedTensor, _unpack, edge
from .grad_mode import is_grad_enabled, no_grad

if TYPE_CHECKING:
    from .._tensor import Tensor


class CustomBackward(Function):
    """The node of one call of a user's function, and the ``ctx`` its forward and backward receive."""

    def __init__(self, function: type) -> None:
        self.function = function
        self.input_shapes: tuple[tuple[int, ...] | None, ...] = ()  # None for an argument that is not a tensor
        self.outputs_without_gradient: list["Tensor"] = []

    # ---- what forward calls on ctx -----------------------------------------------------------
    def save_for_backward(self, *tensors: "Tensor | None") -> None:
        """Keep tensors for the backward; changing one of them in place before then is refused."""
        for position, tensor in enumerate(tensors):
            if tensor is not None and not isinstance(tensor, _tensor.Tensor):
                raise TypeError(f"save_for_backward can only save tensors, but argument {position} is of type "
                                f"{type(tensor).__name__}")
        self._saved = tensors

    def mark_non_differentiable(self, *outputs: "Tensor") -> None:
        """The output has no gradient (an index, a count): it will not require grad."""
        self.outputs_without_gradient.extend(outputs)

    # ---- what backward reads -----------------------------------------------------------------
    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The saved tensors, as tensors even for first derivatives: a user's backward is written with tensor ops."""
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        return tuple([_unpack(saved, self, True) for saved in self._saved])

    def backward(self, grad: Any) -> tuple[Any, ...]:
        recorded = isinstance(grad, _tensor.Tensor)  # create_graph: gradients keep their history
        grads = self.function.backward(self, grad if recorded else _tensor.Tensor._wrap(grad))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.input_shapes):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {len(self.input_shapes)}, got {len(grads)})")
        return tuple([self._checked(position, given, recorded) for position, given in enumerate(grads)])

    def _checked(self, position: int, given: Any, recorded: bool) -> Any:
        """One returned gradient, checked against its input: an array, or a tensor under create_graph."""
        shape = self.input_shapes[position]
        if given is None:
            return None
        if shape is None:
            raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                               f"{position + 1}, but the corresponding forward input was not a tensor")
        if not isinstance(given, _tensor.Tensor):
            raise TypeError(f"function {self.name()} returned a {type(given).__name__} as the gradient at position "
                            f"{position + 1}; return a tensor or None")
        if not _expands_to(shape, given._array.shape):  # a larger gradient is summed down to the input, as in PyTorch
            raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {position} - got "
                               f"{list(given.shape)} but expected shape compatible with {list(shape)}")
        return given if recorded else given._array

    def name(self) -> str:
        return f"{self.function.__name__}Backward"


def _expands_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def apply(function: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``function.apply(*args, **kwargs)`` for a function written in PyTorch's form."""
    ctx = CustomBackward(function)
    ctx.needs_input_grad = tuple(isinstance(arg, _tensor.Tensor) and arg.requires_grad for arg in args)
    record = True in ctx.needs_input_grad and is_grad_enabled()
    with no_grad():
        if getattr(function, "setup_context", None) is not None:  # PyTorch's newer form: forward without ctx
            output = function.forward(*args, **kwargs)
            function.setup_context(ctx, args, output)
        else:
            output = function.forward(ctx, *args, **kwargs)
    if isinstance(output, tuple):
        raise NotImplementedError(f"{function.__name__}.forward returned {len(output)} outputs: gradstep's own "
                                  "functions return one tensor (return the others from a second function)")
    if not isinstance(output, _tensor.Tensor):
        return output  # a number or other value: nothing to differentiate
    # A tensor object of its own, sharing the output's memory and version counter (the output may be an input).
    result = _tensor.Tensor._wrap(output._array)
    result._version_counter = output._version_counter
    if not record or any(output is marked for marked in ctx.outputs_without_gradient):
        ctx._saved = ()
        return result
    ctx.next_nodes = tuple([edge(arg) if isinstance(arg, _tensor.Tensor) else None for arg in args])
    ctx.input_shapes = tuple([arg._array.shape if isinstance(arg, _tensor.Tensor) else None for arg in args])
    ctx.output_meta = (result._array.shape, result._array.dtype)
    result._grad_fn, result._requires_grad = ctx, True
    ctx._saved = tuple([_pin(saved, args, output, result) for saved in ctx._saved])
    return result


def _pin(saved: "Tensor | None", args: tuple[Any, ...], output: "Tensor", result: "Tensor") -> Any:
    """A saved input or output keeps its link to the graph and its version; anything else is a constant."""
    if saved is None:
        return None
    if any(saved is arg for arg in args):
        return SavedTensor(saved, is_output=False)
    if saved is output:
        return SavedTensor(result, is_output=True)
    return saved._array
