"""Derivatives of whole functions: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

PyTorch's ``torch.autograd.functional``, built from ``autograd.grad``: each row of a
Jacobian is one backward pass, and a Hessian is the Jacobian of the gradient, which needs
the gradient itself to be recorded (``create_graph=True``).

>>> import gradstep
>>> from gradstep.autograd.functional import hessian
>>> hessian(lambda w: (w ** 3).sum(), gradstep.tensor([1.0, 2.0]))   # d²/dw² of Σw³ = diag(6w)
tensor([[ 6.,  0.],
        [ 0., 12.]])
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import _tensor
from ..ops.shape import stack
from .engine import grad
from .grad_mode import enable_grad

Inputs = Any  # a Tensor or a tuple of Tensors, as in PyTorch


def _as_tuple(value: Inputs, what: str) -> tuple[bool, tuple["_tensor.Tensor", ...]]:
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for i, item in enumerate(values):
        if not isinstance(item, _tensor.Tensor):
            raise TypeError(f"The {what} given must be a Tensor or a tuple of Tensors, but {what}[{i}] is a {type(item).__name__}")
    return is_tuple, values


def _prepare(inputs: tuple["_tensor.Tensor", ...], create_graph: bool) -> tuple["_tensor.Tensor", ...]:
    """Inputs to differentiate at: linked to their history only when the result should be too."""
    if create_graph:
        return tuple(x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True) for x in inputs)
    return tuple(x.detach().requires_grad_(True) for x in inputs)


def _finish(values: tuple[Any, ...], is_tuple: bool, create_graph: bool) -> Any:
    done = tuple(v if create_graph or v is None else v.detach() for v in values)
    return done if is_tuple else done[0]


def _grads(outputs: Sequence[Any], inputs: tuple[Any, ...], grad_outputs: Sequence[Any], create_graph: bool,
           strict: bool, what: str) -> tuple[Any, ...]:
    """∂(Σ outputs·grad_outputs)/∂inputs, with zeros for inputs that don't influence the outputs."""
    differentiable = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not differentiable:
        found: tuple[Any, ...] = (None,) * len(inputs)
    else:
        found = grad([o for o, _ in differentiable], inputs, [g for _, g in differentiable],
                     retain_graph=True, create_graph=create_graph, allow_unused=True)
    results = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This is not "
                    f"allowed in strict mode{what}."
                )
            g = _tensor.Tensor._wrap(np.zeros_like(x._array))
        results.append(g)
    return tuple(results)


def _check_v(v: Inputs, like: tuple[Any, ...], what: str) -> tuple[Any, ...]:
    _, vs = _as_tuple(v, "v")
    if len(vs) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}.")
    for i, (vi, ref) in enumerate(zip(vs, like)):
        if tuple(vi.shape) != tuple(ref.shape):
            raise RuntimeError(
                f"Mismatch in shape: v[{i}] has a shape of {tuple(vi.shape)} and the {what}[{i}] has a "
                f"shape of {tuple(ref.shape)}."
            )
    return vs


def _scalar_v(v: Inputs | None, outputs: tuple[Any, ...]) -> tuple[Any, ...]:
    if v is not None:
        return _check_v(v, outputs, "func's output")
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(
            "The vector v can only be None if the user-provided function returns a single Tensor with a "
            "single element."
        )
    return (_tensor.Tensor._wrap(np.ones_like(outputs[0]._array)),)


def vjp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ·J)``: the vector-Jacobian product, one backward pass."""
    inputs_are_tuple, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        outputs_are_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function")
        vs = _scalar_v(v, outputs)
        products = _grads(outputs, xs, vs, create_graph, strict, "")
    return _finish(outputs, outputs_are_tuple, create_graph), _finish(products, inputs_are_tuple, create_graph)


def jvp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J·v)``: the Jacobian-vector product, by the double-backward trick.

    J·v = ∂(uᵀJ·v)/∂u for any u: a backward pass that records uᵀJ, then one through it.
    """
    inputs_are_tuple, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _prepare(xs, create_graph=True)
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.")
            vs: tuple[Any, ...] = (_tensor.Tensor._wrap(np.ones_like(xs[0]._array)),)
        else:
            vs = _check_v(v, xs, "input")
        outputs_are_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function")
        dummies = tuple(_tensor.Tensor._wrap(np.zeros_like(o._array)).requires_grad_(True) for o in outputs)
        u_jacobian = _grads(outputs, xs, dummies, True, strict, " when computing jvp")
        products = _grads(u_jacobian, dummies, vs, create_graph, strict, " when computing jvp")
    return _finish(outputs, outputs_are_tuple, create_graph), _finish(products, outputs_are_tuple, create_graph)


def jacobian(func: Callable[..., Any], inputs: Inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """∂func(inputs)/∂inputs, of shape ``output.shape + input.shape``: one backward pass per output element.

    >>> import gradstep
    >>> jacobian(lambda x: x ** 2, gradstep.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian(strategy={strategy!r}): gradstep computes Jacobians in reverse mode only")
    inputs_are_tuple, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        outputs_are_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function")
        per_output = []
        for i, output in enumerate(outputs):
            rows = []
            for k in range(output.numel()):
                pick = np.zeros(output._array.size, dtype=output._array.dtype)
                pick[k] = 1
                seed = [_tensor.Tensor._wrap(pick.reshape(output._array.shape))]
                rows.append(_grads([output], xs, seed, create_graph, strict, f" (output {i})"))
            per_input = []
            for j, x in enumerate(xs):
                stacked = [row[j] for row in rows]
                block = (stack(stacked) if stacked
                         else _tensor.Tensor._wrap(np.zeros((0, *x._array.shape), x._array.dtype)))
                per_input.append(block.reshape(*output.shape, *x.shape))
            per_output.append(_finish(tuple(per_input), inputs_are_tuple, create_graph))
    return tuple(per_output) if outputs_are_tuple else per_output[0]


def hessian(func: Callable[..., Any], inputs: Inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """Second derivatives of a scalar function: the Jacobian of its gradient.

    For one input of shape S the result has shape S + S; for a tuple of inputs it is a tuple
    of tuples, ``H[i][j] = ∂²f/∂xᵢ∂xⱼ``.
    """
    inputs_are_tuple, xs = _as_tuple(inputs, "inputs")

    def gradient(*args: Any) -> Any:
        output = func(*args)
        if not isinstance(output, _tensor.Tensor) or output.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return _grads([output.reshape(())], args, [None], True, strict, " (hessian)")

    result = jacobian(gradient, xs, create_graph, strict, vectorize, outer_jacobian_strategy)
    return result if inputs_are_tuple else result[0][0]


def vhp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ·H)``: a row of the Hessian weighted by v, without forming H."""
    inputs_are_tuple, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        output = func(*xs)
        if not isinstance(output, _tensor.Tensor) or output.numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor with a single element")
        vs = _check_v(v, xs, "input") if v is not None else _scalar_v(None, xs)
        gradients = _grads([output], xs, [None], True, strict, " (vhp)")
        products = _grads(gradients, xs, vs, create_graph, strict, " (vhp)")
    return _finish((output,), False, create_graph), _finish(products, inputs_are_tuple, create_graph)


def hvp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H·v)``; for the twice-differentiable functions here H is symmetric, so H·v = (vᵀH)ᵀ."""
    return vhp(func, inputs, v, create_graph, strict)
