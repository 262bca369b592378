"""gradstep.autograd.functional against torch.autograd.functional, on the same functions."""
import numpy as np
import pytest
import torch

import gradstep


def function(lib):
    """A scalar function of two inputs with every kind of second derivative: f(x, y)."""
    def f(x, y):
        return (x * x * y[:2]).sum() + (x.exp() * y[1:].sigmoid()).sum() + (x @ x) * y.tanh().sum()
    return f


def vector_function(lib):
    def g(x):
        return lib.stack([x.sum() ** 2, (x * x.sigmoid()).sum(), x[0] * x[1]])
    return g


def inputs(lib):
    return (lib.tensor([0.5, -1.2], dtype=lib.float64), lib.tensor([0.3, 2.0, -0.7], dtype=lib.float64))


def as_arrays(value):
    if isinstance(value, (tuple, list)):
        return [as_arrays(v) for v in value]
    return value.detach().numpy()


def assert_same(ours, theirs):
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["hessian", "jacobian of the gradient", "jacobian", "vjp", "jvp", "hvp", "vhp"])
def test_same_as_pytorch(name):
    def compute(lib):
        F = lib.autograd.functional
        f, g, (x, y) = function(lib), vector_function(lib), inputs(lib)
        v = (lib.tensor([1.0, -2.0], dtype=lib.float64), lib.tensor([0.5, 0.1, 3.0], dtype=lib.float64))
        if name == "hessian":
            return F.hessian(f, (x, y))
        if name == "jacobian of the gradient":
            return F.jacobian(lambda x: lib.autograd.grad(f(x, y), x, create_graph=True)[0], x)
        if name == "jacobian":
            return F.jacobian(g, x)
        if name == "vjp":
            return F.vjp(g, x, lib.tensor([1.0, 2.0, -1.0], dtype=lib.float64))
        if name == "jvp":
            return F.jvp(g, x, v[0])
        return getattr(F, name)(f, (x, y), v)

    assert_same(as_arrays(compute(gradstep)), as_arrays(compute(torch)))


def test_a_single_input_gives_a_single_tensor_of_shape_input_by_input():
    h = gradstep.autograd.functional.hessian(lambda w: (w ** 3).sum(), gradstep.tensor([[1.0, 2.0]]))
    assert h.shape == (1, 2, 1, 2)
    np.testing.assert_allclose(h.numpy().reshape(2, 2), np.diag([6.0, 12.0]))


def test_strict_refuses_an_input_the_output_ignores_and_otherwise_gives_zeros():
    f = lambda x, y: (x * 2).sum()  # noqa: E731
    x, y = gradstep.ones(2), gradstep.ones(3)
    assert gradstep.autograd.functional.jacobian(f, (x, y))[1].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="independent of input 1"):
        gradstep.autograd.functional.jacobian(f, (x, y), strict=True)


def test_create_graph_keeps_the_result_differentiable():
    x = gradstep.tensor([1.0, 2.0], dtype=gradstep.float64, requires_grad=True)
    h = gradstep.autograd.functional.hessian(lambda w: (w ** 4).sum(), x, create_graph=True)
    (third,) = gradstep.autograd.grad(h.sum(), x)  # d/dx of 12x² = 24x
    np.testing.assert_allclose(third.numpy(), [24.0, 48.0])
