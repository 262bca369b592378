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
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _tensor
from .grad_mode import is_grad_enabled

if TYPE_CHECKING:
    from .._tensor import Tensor


class Function:
    """Base class of every differentiable op; an instance is a node of the graph (``grad_fn``)."""

    __slots__ = ("inputs", "needs_input_grad", "_saved", "_released")

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep arrays of the forward pass for the backward pass: backprop reuses them."""
        self._saved = arrays
        self._released = False

    @property
    def saved_tensors(self) -> tuple[np.ndarray, ...]:
        if getattr(self, "_released", False):
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        return self._saved

    def release(self) -> None:
        """Free what forward saved; a later backward through this node then raises."""
        if hasattr(self, "_saved"):
            self._saved = ()
            self._released = True

    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...] | np.ndarray | None:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return f"{type(self).__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{self.name} object>"

    @classmethod
    def apply(cls, *inputs: "Tensor", **options: Any) -> "Tensor":
        """Run the op on tensors; record it in the graph when an input requires grad."""
        fn = cls()
        output = fn.forward(*[t._array for t in inputs], **options)
        needs_input_grad = tuple(t._requires_grad for t in inputs)
        if not (True in needs_input_grad and is_grad_enabled()):
            return _tensor.Tensor._wrap(output)
        fn.inputs = inputs
        fn.needs_input_grad = needs_input_grad
        return _tensor.Tensor._wrap(output, grad_fn=fn)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` back to ``shape``: a value broadcast to many places gets all their gradients.

    If x of shape (3, 1) was broadcast to (2, 3, 4) in the forward pass, every element of x
    was used 2 * 4 times, so its gradient is the sum over those uses.
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
