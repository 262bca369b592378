"""Second derivatives of every differentiable op and loss, against PyTorch and finite differences.

For an op y = f(x₁, …) with an upstream gradient v, the first derivative is gᵢ = (∂f/∂xᵢ)ᵀ v
(what backward computes). Each case takes it with ``autograd.grad(..., create_graph=True)``,
forms s = Σᵢ Σ wᵢ·gᵢ with fixed random weights w, and differentiates s again, with respect
to every xᵢ and to v (``gradgradcheck`` does the same). Then, in float64:

- y, every gᵢ and every second derivative agree with PyTorch to 1e-9 (relative to the
  largest magnitude of PyTorch's tensor, or to 1 where that is smaller);
- every second derivative agrees with central finite differences of s, where s is computed
  with gradstep's first-order backward (NumPy arrays, no graph): the two paths through each
  backward formula give the same answer.

A derivative that doesn't depend on an input at all comes back as None or as zeros,
depending on which tensors a backward formula happens to use; both mean zero here.

Linear ops (views, sums, joins) are squared (``op(x) ** 2``) so that their second derivative
with respect to x is not zero and passes through the op's backward formula recorded in the
graph. The data keeps away from points without a derivative, as in ``test_engine_gradients``.
"""
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradstep
from parity import TOLERANCE
from test_engine_gradients import away_from, away_from_zero, positive, uniform

RTOL = TOLERANCE["float64"]
SETTINGS = settings(max_examples=8, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
matrix_shapes = hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3)
broadcast_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
seeds = st.integers(0, 2**32 - 1)


# ---- the harness ------------------------------------------------------------------------------
def derivatives(lib, op, arrays, upstream, weights, create_graph=True):
    """y = op(x…), gᵢ = ∂⟨v, y⟩/∂xᵢ, and (with ``create_graph``) ∂s/∂xᵢ and ∂s/∂v for s = Σ wᵢ·gᵢ."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    v = lib.tensor(upstream, requires_grad=create_graph)
    y = op(lib, *xs)
    grads = lib.autograd.grad(y, xs, v, create_graph=create_graph, allow_unused=True)
    if not create_graph:
        return y, grads, None
    s = sum((g * lib.tensor(w)).sum() for g, w in zip(grads, weights) if g is not None)
    second = lib.autograd.grad(s, [*xs, v], allow_unused=True)
    return y, grads, second


def assert_close(ours, theirs, what):
    """Equal to 1e-9 relative to the largest magnitude of PyTorch's tensor, or to 1 where that is
    smaller: a derivative that is 0 in exact arithmetic comes out as roundoff (1e-18) in one library."""
    scale = max(float(np.max(np.abs(theirs))) if theirs.size else 0.0, 1.0)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs PyTorch's {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def as_array(tensor, like):
    """A derivative as an array, None meaning zeros (see the module docstring)."""
    return np.zeros_like(like) if tensor is None else tensor.detach().numpy()


def check_second_derivatives(op, *arrays, seed=0, finite_differences=True):
    """Compare ``op(lib, *tensors)`` and its first and second derivatives in gradstep and PyTorch,
    and gradstep's second derivatives with finite differences of its first derivative."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    rng = np.random.default_rng(seed)
    output_shape = tuple(op(torch, *[torch.tensor(a) for a in arrays]).shape)
    upstream = rng.standard_normal(output_shape)
    weights = [rng.standard_normal(a.shape) for a in arrays]

    y, grads, second = derivatives(gradstep, op, arrays, upstream, weights)
    their_y, their_grads, their_second = derivatives(torch, op, arrays, upstream, weights)
    assert_close(as_array(y, upstream), as_array(their_y, upstream), "value")
    for i, (mine, theirs, a) in enumerate(zip(grads, their_grads, arrays)):
        assert_close(as_array(mine, a), as_array(theirs, a), f"first derivative of input {i}")
    for i, (mine, theirs, a) in enumerate(zip(second, their_second, [*arrays, upstream])):
        what = "second derivative with respect to the upstream gradient" if i == len(arrays) else f"second derivative of input {i}"
        assert_close(as_array(mine, a), as_array(theirs, a), what)

    if finite_differences:
        def weighted_first_derivative(shifted_arrays, shifted_upstream):
            _, first, _ = derivatives(gradstep, op, shifted_arrays, shifted_upstream, weights, create_graph=False)
            return sum(float((g.numpy() * w).sum()) for g, w in zip(first, weights) if g is not None)

        for i, (mine, a) in enumerate(zip(second, [*arrays, upstream])):
            numeric = numerical_derivative(weighted_first_derivative, arrays, upstream, i)
            np.testing.assert_allclose(as_array(mine, a), numeric, rtol=1e-5, atol=1e-6,
                                       err_msg=f"second derivative {i} against finite differences")


def numerical_derivative(f, arrays, upstream, i, eps=1e-6):
    """∂f/∂(argument i) by central differences, where arguments are ``arrays`` and then ``upstream``."""
    arguments = [*arrays, upstream]
    grad = np.zeros_like(arguments[i])
    for position in np.ndindex(arguments[i].shape):
        values = []
        for step in (eps, -eps):
            shifted = [a.copy() for a in arguments]
            shifted[i][position] += step
            values.append(f(shifted[:-1], shifted[-1]))
        grad[position] = (values[0] - values[1]) / (2 * eps)
    return grad


def squared(view):
    """A linear op made nonlinear, so its second derivative with respect to x goes through it."""
    return lambda lib, *xs: view(lib, *xs) ** 2


# ---- the cases: one per op of gradstep.ops (by its name), then losses and in-place graphs -------
# Each case draws its data from hypothesis and returns (op, arrays) or (op, arrays, options).
CASES = {}


def case(name):
    def register(function):
        CASES[name] = function
        return function
    return register


def draw_dim(data, ndim, extra=0):
    rank = max(ndim + extra, 1)
    return data.draw(st.integers(-rank, rank - 1), label="dim")


@case("add")
def _(data, seed):
    x_shape, y_shape = data.draw(broadcast_pairs).input_shapes
    return lambda lib, x, y: (x + y) ** 2 + lib.add(x, y, alpha=-0.5) * x, [uniform(seed, x_shape), uniform(seed + 1, y_shape)]


@case("sub")
def _(data, seed):
    x_shape, y_shape = data.draw(broadcast_pairs).input_shapes
    return lambda lib, x, y: (x - y) ** 2 + (2.0 - x) * y, [uniform(seed, x_shape), uniform(seed + 1, y_shape)]


@case("mul")
def _(data, seed):
    x_shape, y_shape = data.draw(broadcast_pairs).input_shapes
    return lambda lib, x, y: x * y * x + 3 * y, [uniform(seed, x_shape), uniform(seed + 1, y_shape)]


@case("div")
def _(data, seed):
    x_shape, y_shape = data.draw(broadcast_pairs).input_shapes
    return lambda lib, x, y: x / y + 2.5 / y, [uniform(seed, x_shape), away_from_zero(seed + 1, y_shape)]


@case("neg")
def _(data, seed):
    return squared(lambda lib, x: -x), [uniform(seed, data.draw(shapes))]


@case("pow")
def _(data, seed):
    exponent = data.draw(st.sampled_from([2, 3, 0.5, -1.5, 1 / 3, 0, -2]))
    base = data.draw(st.sampled_from([0.5, 2.0, np.e]))
    shape = data.draw(shapes)
    return lambda lib, x: x**exponent + base**x + x.pow(2), [positive(seed, shape)]


@case("pow of tensors")
def _(data, seed):
    x_shape, y_shape = data.draw(broadcast_pairs).input_shapes
    return lambda lib, x, y: x**y, [positive(seed, x_shape), uniform(seed + 1, y_shape)]


def spread(name):
    """var or std over drawn dims, with a drawn correction and keepdim; at least two values per result."""
    def draw_case(data, seed):
        shape = data.draw(nonscalar_shapes)
        dims = tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True), label="dims"))
        correction, keepdim = data.draw(st.sampled_from([0, 1])), data.draw(st.booleans())
        assume(np.prod([shape[d] for d in dims]) > 1)
        return lambda lib, x: getattr(x, name)(dims, correction=correction, keepdim=keepdim) * x.sum(), [
            uniform(seed, shape)]
    return draw_case


case("var")(spread("var"))
case("std")(spread("std"))


@case("logsumexp")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    dim, keepdim = draw_dim(data, len(shape)), data.draw(st.booleans())
    return lambda lib, x: lib.logsumexp(x * x, dim, keepdim=keepdim), [uniform(seed, shape)]


@case("cumsum")
def _(data, seed):
    shape = data.draw(shapes)
    dim = draw_dim(data, len(shape))
    return lambda lib, x: lib.cumsum(x * x, dim), [uniform(seed, shape)]


@case("sin")
def _(data, seed):
    return lambda lib, x: lib.sin(x) * x, [uniform(seed, data.draw(shapes))]


@case("tan")
def _(data, seed):
    return lambda lib, x: lib.tan(x) * x, [uniform(seed, data.draw(shapes), -1.2, 1.2)]


@case("cos")
def _(data, seed):
    return lambda lib, x: x.cos() * x, [uniform(seed, data.draw(shapes))]


@case("flip")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    return lambda lib, x: (x * x).flip(tuple(range(len(shape)))), [uniform(seed, shape)]


def triangle(name):
    def draw_case(data, seed):
        shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
        diagonal = data.draw(st.integers(-1, 1))
        return lambda lib, x: getattr(lib, name)(x * x, diagonal), [uniform(seed, shape)]
    return draw_case


case("tril")(triangle("tril"))
case("triu")(triangle("triu"))


def distinct_magnitudes(seed, shape):
    """Values whose squares are all at least 0.1 apart: x² has no near-ties, where finite differences
    of amax/amin would step across the kink."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    magnitudes = 0.2 + 0.3 * rng.permutation(size) + rng.uniform(0, 0.05, size)
    return (magnitudes * rng.choice([-1.0, 1.0], size)).reshape(shape)


def extreme_along(name):
    def draw_case(data, seed):
        shape = data.draw(nonscalar_shapes)
        dim, keepdim = draw_dim(data, len(shape)), data.draw(st.booleans())
        return lambda lib, x: getattr(lib, name)(x * x, dim, keepdim=keepdim) * x.sum(), [distinct_magnitudes(seed, shape)]
    return draw_case


case("amax")(extreme_along("amax"))
case("amin")(extreme_along("amin"))


def stepwise(name):
    def draw_case(data, seed):
        return lambda lib, x: getattr(lib, name)(x * 3) * x * x, [uniform(seed, data.draw(shapes))]
    return draw_case


for _name in ("sign", "floor", "ceil", "round", "trunc"):
    case(_name)(stepwise(_name))


@case("topk")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    dim = draw_dim(data, len(shape))
    k = data.draw(st.integers(1, shape[dim]))
    return lambda lib, x: (x * x).topk(k, dim).values * x.sum(), [uniform(seed, shape)]


@case("bmm")
def _(data, seed):
    b, n, k = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)))
    return lambda lib, x, y: lib.bmm(x * x, y), [uniform(seed, (b, n, k)), uniform(seed + 1, (b, k, n))]


@case("dot")
def _(data, seed):
    n = data.draw(st.integers(1, 4))
    return lambda lib, x, y: lib.dot(x * x, y) * x.sum(), [uniform(seed, (n,)), uniform(seed + 1, (n,))]


@case("mv")
def _(data, seed):
    n, k = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    return lambda lib, x, y: lib.mv(x * x, y) * y.sum(), [uniform(seed, (n, k)), uniform(seed + 1, (k,))]


@case("outer")
def _(data, seed):
    n, m = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    return lambda lib, x, y: lib.outer(x * x, y * y), [uniform(seed, (n,)), uniform(seed + 1, (m,))]


@case("exp")
def _(data, seed):
    return lambda lib, x: lib.exp(x), [uniform(seed, data.draw(shapes))]


@case("log")
def _(data, seed):
    return lambda lib, x: lib.log(x), [positive(seed, data.draw(shapes))]


@case("sqrt")
def _(data, seed):
    return lambda lib, x: x.sqrt(), [positive(seed, data.draw(shapes))]


@case("abs")
def _(data, seed):
    return lambda lib, x: x.abs() * x, [away_from_zero(seed, data.draw(shapes))]


def clamped(name):
    def draw_case(data, seed):
        low, high = data.draw(st.sampled_from([(-0.5, None), (None, 0.5), (-0.5, 1.0)]))
        x = away_from(uniform(seed, data.draw(shapes)), *[b for b in (low, high) if b is not None])
        return lambda lib, x: getattr(lib, name)(x, min=low, max=high) * x, [x]
    return draw_case


case("clamp")(clamped("clamp"))
case("clip")(clamped("clip"))


def extreme_of_two(name):
    def draw_case(data, seed):
        x_shape, y_shape = data.draw(broadcast_pairs).input_shapes
        x = uniform(seed, x_shape)
        y = away_from(uniform(seed + 1, y_shape), *np.unique(x))  # no ties
        return lambda lib, x, y: getattr(lib, name)(x, y) * x * y, [x, y]
    return draw_case


case("maximum")(extreme_of_two("maximum"))
case("minimum")(extreme_of_two("minimum"))


@case("where")
def _(data, seed):
    condition_shape, x_shape, y_shape = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    condition = np.random.default_rng(seed).random(condition_shape) < 0.5
    return (lambda lib, x, y: lib.where(lib.tensor(condition), x * y, y.exp()) * x,
            [uniform(seed, x_shape), uniform(seed + 1, y_shape)])


@case("relu")
def _(data, seed):
    return lambda lib, x: lib.relu(x) * x, [away_from_zero(seed, data.draw(shapes))]


@case("sigmoid")
def _(data, seed):
    return lambda lib, x: lib.sigmoid(x), [uniform(seed, data.draw(shapes), -6, 6)]


@case("tanh")
def _(data, seed):
    return lambda lib, x: x.tanh(), [uniform(seed, data.draw(shapes))]


def softmax_case(name):
    def draw_case(data, seed):
        shape = data.draw(nonscalar_shapes)
        dim = draw_dim(data, len(shape))
        return lambda lib, x: getattr(lib, name)(x, dim), [uniform(seed, shape, -4, 4)]
    return draw_case


case("softmax")(softmax_case("softmax"))
case("log_softmax")(softmax_case("log_softmax"))


def sum_or_mean(name):
    def draw_case(data, seed):
        shape = data.draw(shapes)
        keepdim = data.draw(st.booleans())
        dims = data.draw(st.lists(st.integers(0, max(len(shape) - 1, 0)), min_size=1, unique=True)) if shape else [0]
        dim = data.draw(st.sampled_from([None, dims[0] - len(shape) if shape else 0, tuple(dims)]))
        return squared(lambda lib, x: getattr(lib, name)(x, dim, keepdim=keepdim) if dim is not None
                       else getattr(x, name)()), [uniform(seed, shape)]
    return draw_case


case("sum")(sum_or_mean("sum"))
case("mean")(sum_or_mean("mean"))


def max_or_min(name):
    def draw_case(data, seed):
        shape = data.draw(shapes)  # continuous random data: no ties
        if not shape or data.draw(st.booleans()):
            return lambda lib, x: getattr(x, name)() * x, [uniform(seed, shape)]
        dim, keepdim = draw_dim(data, len(shape)), data.draw(st.booleans())
        return squared(lambda lib, x: getattr(lib, name)(x, dim, keepdim).values), [uniform(seed, shape)]
    return draw_case


case("max")(max_or_min("max"))
case("min")(max_or_min("min"))


@case("sort")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    dim, descending = draw_dim(data, len(shape)), data.draw(st.booleans())
    weights = np.arange(1.0, shape[dim] + 1).reshape([-1] + [1] * (len(shape) - dim % len(shape) - 1))
    return lambda lib, x: lib.sort(x, dim, descending=descending).values ** 2 * lib.tensor(weights), [uniform(seed, shape)]


# shape ops: linear, so squared
def reshaped(name):
    def draw_case(data, seed):
        shape = data.draw(shapes)
        new_shape = (*data.draw(st.permutations(shape)), 1)
        return squared(lambda lib, x: getattr(x, name)(*new_shape)), [uniform(seed, shape)]
    return draw_case


case("reshape")(reshaped("reshape"))
case("view")(reshaped("view"))


@case("flatten")
def _(data, seed):
    shape = data.draw(shapes)
    start = draw_dim(data, len(shape))
    end = data.draw(st.integers(start % max(len(shape), 1), max(len(shape), 1) - 1))
    return squared(lambda lib, x: lib.flatten(x, start, end)), [uniform(seed, shape)]


@case("permute")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    order = data.draw(st.permutations(range(len(shape))))
    return squared(lambda lib, x: lib.permute(x, order)), [uniform(seed, shape)]


def two_dims(name):
    def draw_case(data, seed):
        shape = data.draw(nonscalar_shapes)
        dim0, dim1 = draw_dim(data, len(shape)), draw_dim(data, len(shape))
        return squared(lambda lib, x: getattr(x, name)(dim0, dim1)), [uniform(seed, shape)]
    return draw_case


for name in ["transpose", "swapaxes", "swapdims", "movedim"]:
    case(name)(two_dims(name))


@case("unsqueeze")
def _(data, seed):
    shape = data.draw(shapes)
    dim = draw_dim(data, len(shape), extra=1)
    return squared(lambda lib, x: lib.unsqueeze(x, dim)), [uniform(seed, shape)]


@case("squeeze")
def _(data, seed):
    shape = data.draw(shapes)
    dim = data.draw(st.sampled_from([None, draw_dim(data, len(shape))]))
    return squared(lambda lib, x: x.squeeze() if dim is None else lib.squeeze(x, dim)), [uniform(seed, shape)]


@case("expand")
def _(data, seed):
    shape = data.draw(shapes)
    leading = data.draw(st.lists(st.integers(1, 3), min_size=0 if shape else 1, max_size=2))
    sizes = [data.draw(st.sampled_from([-1, 3])) if s == 1 else s for s in shape]
    return squared(lambda lib, x: x.expand(*leading, *sizes)), [uniform(seed, shape)]


def joined(name):
    def draw_case(data, seed):
        shape = data.draw(nonscalar_shapes)
        count = data.draw(st.integers(1, 3))
        if name == "stack":
            dim = draw_dim(data, len(shape), extra=1)
            arrays = [uniform(seed + i, shape) for i in range(count)]
        else:
            dim = draw_dim(data, len(shape))
            axis = dim % len(shape)
            arrays = [uniform(seed + i, (*shape[:axis], i + 1, *shape[axis + 1:])) for i in range(count)]
        return squared(lambda lib, *xs: getattr(lib, name)(xs, dim)), arrays
    return draw_case


for name in ["cat", "concat", "stack"]:
    case(name)(joined(name))


def pieces(name):
    def draw_case(data, seed):
        shape = data.draw(nonscalar_shapes)
        dim = draw_dim(data, len(shape))
        size = data.draw(st.integers(1, 2))
        split = {"split": lambda x: x.split(size, dim), "chunk": lambda x: x.chunk(size, dim),
                 "unbind": lambda x: x.unbind(dim)}[name]
        return (lambda lib, x: sum((piece ** 2 * (i + 1)).sum() for i, piece in enumerate(split(x))),
                [uniform(seed, shape)])
    return draw_case


for name in ["split", "chunk", "unbind"]:
    case(name)(pieces(name))


@case("narrow")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    dim = draw_dim(data, len(shape))
    start = data.draw(st.integers(0, shape[dim] - 1))
    length = data.draw(st.integers(1, shape[dim] - start))
    return squared(lambda lib, x: x.narrow(dim, start, length)), [uniform(seed, shape)]


@case("select")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    dim = draw_dim(data, len(shape))
    index = data.draw(st.integers(-shape[dim], shape[dim] - 1))
    return squared(lambda lib, x: x.select(dim, index)), [uniform(seed, shape)]


@case("index")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    rows = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=4))  # repeats add up
    mask = np.random.default_rng(seed).random(shape) < 0.5
    kind = data.draw(st.sampled_from(["basic", "rows", "tensor", "mask", "own_mask"]))
    index = {"basic": lambda lib, x: x[..., None, :1], "rows": lambda lib, x: x[rows],
             "tensor": lambda lib, x: x[lib.tensor(rows)], "mask": lambda lib, x: x[lib.tensor(mask)],
             "own_mask": lambda lib, x: x[x > 0]}[kind]
    return squared(index), [uniform(seed, shape)]


@case("index_put_")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=3, unique=True))
    mask = np.random.default_rng(seed).random(shape) < 0.5

    def op(lib, x, y):
        h = x * x
        h[rows] = y[: len(rows)] * y[: len(rows)]     # advanced index: IndexPut
        h[lib.tensor(mask)] = (x * y)[lib.tensor(mask)]  # a mask
        return h * x
    return op, [uniform(seed, shape), uniform(seed + 1, shape)]


@case("matmul")
def _(data, seed):
    batch = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2))
    n, k, m = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)))
    x_is_vector, y_is_vector = data.draw(st.booleans()), data.draw(st.booleans())
    x_shape = (k,) if x_is_vector else (*batch.input_shapes[0], n, k)
    y_shape = (k,) if y_is_vector else (*batch.input_shapes[1], k, m)
    return lambda lib, x, y: lib.matmul(x * x, y) * (x @ y), [uniform(seed, x_shape), uniform(seed + 1, y_shape)]


@case("mm")
def _(data, seed):
    n, k, m = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)))
    return lambda lib, x, y: lib.mm(x * x, y.exp()), [uniform(seed, (n, k)), uniform(seed + 1, (k, m))]


@case("linear")
def _(data, seed):
    batch = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    in_features, out_features = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    arrays = [uniform(seed, (*batch, in_features)), uniform(seed + 1, (out_features, in_features))]
    if data.draw(st.booleans()):
        arrays.append(uniform(seed + 2, (out_features,)))
    return lambda lib, x, w, *b: lib.nn.functional.linear(x * x, w, *b).tanh(), arrays


@case("cast")
def _(data, seed):
    # float32 rounding defeats finite differences; PyTorch rounds the same way, so it can judge.
    return (lambda lib, x: x.float().double() * x.to(lib.float64) ** 2, [uniform(seed, data.draw(shapes))],
            {"finite_differences": False})


@case("clone")
def _(data, seed):
    return squared(lambda lib, x: x.clone()), [uniform(seed, data.draw(shapes))]


@case("overwrite")
def _(data, seed):
    x_shape, y_shape = data.draw(st.sampled_from([(2, 3), (1, 3), (3,), ()])), data.draw(st.sampled_from([(2, 3), (2, 1), ()]))
    def op(lib, x, y):
        h = (x * 1).expand(2, 3).clone()
        h.copy_(y * y)  # x's old values are gone: its gradient is zero
        return h * y
    return op, [uniform(seed, x_shape), uniform(seed + 1, y_shape)]


# ---- losses ------------------------------------------------------------------------------------
def class_targets(rng, shape, classes, ignore_index):
    targets = rng.integers(0, classes, shape)
    ignored = rng.random(shape) < 0.25
    return np.where(ignored, ignore_index, targets) if ignore_index is not None else targets


@case("cross_entropy")
def _(data, seed):
    rng = np.random.default_rng(seed)
    batch, classes = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 4))
    extra = data.draw(st.sampled_from([(), (2,)]))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    smoothing = data.draw(st.sampled_from([0.0, 0.2]))
    weight = np.linspace(0.5, 2.0, classes) if data.draw(st.booleans()) else None
    if data.draw(st.booleans()):  # class probabilities as the target
        target = rng.dirichlet(np.ones(classes), (batch, *extra))
        target = np.moveaxis(target, -1, 1)
        options = {}
    else:
        ignore_index = data.draw(st.sampled_from([None, 1, -100]))
        target = class_targets(rng, (batch, *extra), classes, ignore_index)
        if ignore_index is not None and reduction == "mean" and np.all(target == ignore_index):
            target.flat[0] = 0  # all ignored: a mean over nothing is nan in both
        options = {} if ignore_index is None else {"ignore_index": ignore_index}

    def op(lib, x):
        w = None if weight is None else lib.tensor(weight)
        return lib.nn.functional.cross_entropy(x, lib.tensor(target), weight=w, reduction=reduction,
                                               label_smoothing=smoothing, **options)
    return op, [uniform(seed, (batch, classes, *extra), -3, 3)]


@case("nll_loss")
def _(data, seed):
    rng = np.random.default_rng(seed)
    batch, classes = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 4))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    weight = np.linspace(0.5, 2.0, classes) if data.draw(st.booleans()) else None
    target = class_targets(rng, (batch,), classes, ignore_index=None)

    def op(lib, x):
        w = None if weight is None else lib.tensor(weight)
        log_probs = lib.log_softmax(x, 1)
        return lib.nn.functional.nll_loss(log_probs, lib.tensor(target), weight=w, reduction=reduction) ** 2
    return op, [uniform(seed, (batch, classes))]


@case("mse_loss")
def _(data, seed):
    shape = data.draw(shapes)
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    return (lambda lib, x, t: lib.nn.functional.mse_loss(x.tanh(), t, reduction=reduction),
            [uniform(seed, shape), uniform(seed + 1, shape)])


@case("binary_cross_entropy")
def _(data, seed):
    shape = data.draw(shapes)
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    target = np.random.default_rng(seed).random(shape)
    weight = uniform(seed + 2, shape, 0.5, 2.0) if data.draw(st.booleans()) else None

    def op(lib, x, t):
        w = None if weight is None else lib.tensor(weight)
        return lib.nn.functional.binary_cross_entropy(x, t, weight=w, reduction=reduction)
    return op, [uniform(seed, shape, 0.05, 0.95), target]


@case("binary_cross_entropy_with_logits")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    target = np.random.default_rng(seed).random(shape)
    weight = uniform(seed + 2, shape, 0.5, 2.0) if data.draw(st.booleans()) else None
    pos_weight = uniform(seed + 3, shape[-1:], 0.5, 3.0) if data.draw(st.booleans()) else None

    def op(lib, x, t):
        w = None if weight is None else lib.tensor(weight)
        p = None if pos_weight is None else lib.tensor(pos_weight)
        return lib.nn.functional.binary_cross_entropy_with_logits(x, t, weight=w, reduction=reduction, pos_weight=p)
    return op, [uniform(seed, shape, -4, 4), target]


# ---- in-place changes and views inside the graph ---------------------------------------------------
@case("in_place_through_views")
def _(data, seed):
    rows, columns = data.draw(st.integers(2, 3)), data.draw(st.integers(2, 3))

    def op(lib, x, y):
        h = x * 1
        h[:, 0] = y[:, 0] * y[:, 1]           # CopySlices through a view
        h[1:].mul_(x[1:])                     # in place on a slice of h
        h.t()[0] += y[0, 0] ** 2              # through a transposed view
        column = h.select(1, 1)
        column.div_(y[:, 1].exp())            # select, then divide in place
        return h.tanh() * y
    return op, [uniform(seed, (rows, columns)), uniform(seed + 1, (rows, columns))]


@case("in_place_activations")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)

    # An op that saves its output (sigmoid_, tanh_, exp_, relu_) must be the last in-place change of
    # its tensor: changing that output again would make the backward refuse, in both libraries.
    def op(lib, x, y):
        a = x * y
        a.mul_(x).add_(y, alpha=-0.5).div_(y)   # these keep what they need: changing a later is fine
        a.clamp_(min=-5.0)                      # the data stays inside: the gradient passes
        a.pow_(2)
        a.sigmoid_()
        b = x - 0.1
        b.tanh_()
        c = y * 1
        c.exp_()
        d = x * y
        d.relu_()
        return a * b + c * d
    return op, [uniform(seed, shape, -1, 1), positive(seed + 1, shape)]


@case("in_place_item_assignment")
def _(data, seed):
    shape = data.draw(matrix_shapes)

    def op(lib, x, y):
        h = x.clone()
        h[h > 0] = 0.5                        # a mask with a number: those elements lose their gradient
        h[[0]] += y[0] * y[0]                 # advanced index with +=
        h[..., -1] = x[..., 0] * y[..., -1]   # a basic index, through a view
        return h * h
    return op, [away_from_zero(seed, shape), uniform(seed + 1, shape)]


@case("elu")
def _(data, seed):
    return lambda lib, x: lib.nn.functional.elu(x, alpha=0.7) * x, [away_from_zero(seed, data.draw(shapes))]


@case("leaky_relu")
def _(data, seed):
    return lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1) * x, [away_from_zero(seed, data.draw(shapes))]


@case("gelu")
def _(data, seed):
    approximate = data.draw(st.sampled_from(["none", "tanh"]))
    return lambda lib, x: lib.nn.functional.gelu(x, approximate=approximate), [uniform(seed, data.draw(shapes))]


@case("silu")
def _(data, seed):
    return lambda lib, x: lib.nn.functional.silu(x), [uniform(seed, data.draw(shapes))]


@case("erf")
def _(data, seed):
    return lambda lib, x: lib.erf(x) * x, [uniform(seed, data.draw(shapes))]


def _index_along(data, seed, shape):
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    rng = np.random.default_rng(seed)
    return dim, rng.integers(0, shape[dim], size=shape).astype(np.int64)


@case("gather")
def _(data, seed):
    shape = data.draw(matrix_shapes)
    dim, index = _index_along(data, seed, shape)
    return lambda lib, x: lib.gather(x, dim, lib.tensor(index)) ** 2 * x, [uniform(seed, shape)]


@case("scatter")
def _(data, seed):
    shape = data.draw(matrix_shapes)
    dim = data.draw(st.integers(0, 1), label="dim")
    index = np.argsort(np.random.default_rng(seed).random(shape), axis=dim)  # no place written twice
    return lambda lib, x, y: lib.scatter(x, dim, lib.tensor(index), y * y) * x, [uniform(seed, shape), uniform(seed + 1, shape)]


@case("scatter_add")
def _(data, seed):
    shape = data.draw(matrix_shapes)
    dim, index = _index_along(data, seed, shape)
    return lambda lib, x, y: lib.scatter_add(x, dim, lib.tensor(index), y * y) * x, [uniform(seed, shape), uniform(seed + 1, shape)]


@case("index_select")
def _(data, seed):
    shape = data.draw(matrix_shapes)
    index = np.random.default_rng(seed).integers(0, shape[0], size=3)
    return lambda lib, x: lib.index_select(x, 0, lib.tensor(index)) ** 3, [uniform(seed, shape)]


@case("index_add")
def _(data, seed):
    shape = data.draw(matrix_shapes)
    index = np.random.default_rng(seed).integers(0, shape[0], size=shape[0])
    return lambda lib, x, y: lib.index_add(x, 0, lib.tensor(index), y * x, alpha=0.5) ** 2, [uniform(seed, shape), uniform(seed + 1, shape)]


@case("masked_fill")
def _(data, seed):
    shape = data.draw(shapes)
    mask = np.random.default_rng(seed).random(shape) > 0.5
    return lambda lib, x: lib.masked_fill(x * x, lib.tensor(mask), 0.25) * x, [uniform(seed, shape)]


def normed(function_name, **options):
    def draw_case(data, seed):
        shape = data.draw(matrix_shapes)

        def op(lib, x):
            function = getattr(lib, function_name) if "." not in function_name else getattr(lib.linalg, function_name.split(".")[1])
            return function(x, **options) * x.sum()
        return op, [away_from_zero(seed, shape)]
    return draw_case


case("norm")(normed("norm"))
case("vector_norm")(normed("linalg.vector_norm", ord=3))
case("matrix_norm")(normed("linalg.matrix_norm"))
case("linalg_norm")(normed("linalg.norm"))


# ---- convolution, padding, pooling, batch norm ---------------------------------------------------
def sizes_for(data, spans, paddings):
    """Input sizes, per spatial dim, that the padded windows fit at least once."""
    return tuple(data.draw(st.integers(max(span - 2 * pad, 1), span + 3), label="size")
                 for span, pad in zip(spans, paddings))


def convolution(dims):
    def draw_case(data, seed):
        groups = data.draw(st.sampled_from([1, 2]), label="groups")
        channels, out_channels = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
        kernel = tuple(data.draw(st.integers(1, 3), label="kernel") for _ in range(dims))
        stride = tuple(data.draw(st.integers(1, 2), label="stride") for _ in range(dims))
        dilation = tuple(data.draw(st.integers(1, 2), label="dilation") for _ in range(dims))
        padding = data.draw(st.sampled_from(["valid", "same", 0, 1, 2]) if max(stride) == 1
                            else st.integers(0, 2), label="padding")
        spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        size = sizes_for(data, spans, [padding if isinstance(padding, int) else 0] * dims)
        batch = data.draw(st.integers(1, 2), label="batch")
        arrays = [uniform(seed, (batch, channels, *size), -1, 1),
                  uniform(seed + 1, (out_channels, channels // groups, *kernel), -1, 1)]
        if data.draw(st.booleans(), label="bias"):
            arrays.append(uniform(seed + 2, (out_channels,), -1, 1))
        function = f"conv{dims}d"

        def op(lib, x, w, *b):  # tanh: the gradient reaching the convolution depends on x and w too
            y = getattr(lib.nn.functional, function)(x, w, *b, stride=stride, padding=padding, dilation=dilation,
                                                      groups=groups)
            return y.tanh()
        return op, arrays
    return draw_case


case("conv1d")(convolution(1))
case("conv2d")(convolution(2))


@case("pad")
def _(data, seed):
    shape = data.draw(nonscalar_shapes)
    padded_dims = data.draw(st.integers(1, len(shape)))
    amounts = []
    for size in shape[::-1][:padded_dims]:  # the last dim first, as pad() takes them
        before = data.draw(st.integers(-(size - 1), 2))
        amounts += [before, data.draw(st.integers(-(size - 1 + min(before, 0)), 2))]  # keep one element
    value = data.draw(st.sampled_from([None, 0.5]))
    return squared(lambda lib, x: lib.nn.functional.pad(x, amounts, value=value)), [uniform(seed, shape)]


def unfold_window(data):
    """unfold's and fold's window options, and image sizes the window fits at least once."""
    kernel = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2)))
    dilation, padding = data.draw(st.sampled_from([(1, 1), (2, 1), (2, 2)])), data.draw(st.sampled_from([(0, 0), (1, 1), (1, 0)]))
    stride = data.draw(st.sampled_from([(1, 1), (2, 2), (1, 2)]))
    size = sizes_for(data, [d * (k - 1) + 1 for k, d in zip(kernel, dilation)], padding)
    return {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride}, size


@case("unfold")
def _(data, seed):
    window, size = unfold_window(data)
    shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), *size)
    if data.draw(st.booleans()):
        shape = shape[1:]  # unbatched
    return squared(lambda lib, x: lib.nn.functional.unfold(x, **window)), [uniform(seed, shape)]


@case("fold")
def _(data, seed):
    window, size = unfold_window(data)
    batch, channels = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    blocks = torch.nn.functional.unfold(torch.zeros(1, 1, *size), **window).shape[-1]
    shape = (batch, channels * int(np.prod(window["kernel_size"])), blocks)
    return squared(lambda lib, x: lib.nn.functional.fold(x, size, **window)), [uniform(seed, shape)]


@case("max_pool2d")
def _(data, seed):
    kernel = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    stride = data.draw(st.sampled_from([None, 1, 2, (1, 2)]))
    padding = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
    dilation = data.draw(st.sampled_from([1, 2, (1, 2)]))
    ceil_mode = data.draw(st.booleans())
    dilations = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    # At least the span: no window lies wholly in the padding (its maximum, −inf, sits anywhere)
    size = sizes_for(data, [d * (k - 1) + 1 for k, d in zip(kernel, dilations)], (0, 0))
    channel_major = data.draw(st.booleans())  # the layout of conv2d's outputs in memory
    batch, channels = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))

    def op(lib, x):
        x = x.transpose(0, 1) if channel_major else x
        return lib.nn.functional.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode) ** 2
    shape = (channels, batch, *size) if channel_major else (batch, channels, *size)
    return op, [uniform(seed, shape)]  # continuous random data: no ties


@case("avg_pool2d")
def _(data, seed):
    kernel = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    stride = data.draw(st.sampled_from([None, 1, 2, (2, 1)]))
    padding = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
    options = {"ceil_mode": data.draw(st.booleans()), "count_include_pad": data.draw(st.booleans()),
               "divisor_override": data.draw(st.sampled_from([None, 3]))}
    size = sizes_for(data, kernel, padding)
    shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), *size)
    return squared(lambda lib, x: lib.nn.functional.avg_pool2d(x, kernel, stride, padding, **options)), [uniform(seed, shape)]


@case("adaptive_avg_pool2d")
def _(data, seed):
    shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(1, 5)),
             data.draw(st.integers(1, 5)))
    output_size = data.draw(st.sampled_from([1, 2, (3, None), (None, 2)]))
    return squared(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, output_size)), [uniform(seed, shape)]


@case("batch_norm")
def _(data, seed):
    training, affine = data.draw(st.booleans(), label="training"), data.draw(st.booleans(), label="affine")
    spatial = data.draw(st.sampled_from([(), (3,), (2, 3)]))
    batch = data.draw(st.integers(2 if not spatial else 1, 3))
    channels = data.draw(st.integers(1, 3))
    rng = np.random.default_rng(seed + 3)
    running_mean, running_var = rng.uniform(-0.5, 0.5, channels), rng.uniform(0.5, 2.0, channels)
    keep_running = not training or data.draw(st.booleans())
    arrays = [uniform(seed, (batch, channels, *spatial))]
    if affine:
        arrays += [uniform(seed + 1, (channels,), 0.5, 2.0), uniform(seed + 2, (channels,))]

    def op(lib, x, *weight_and_bias):
        statistics = (lib.tensor(running_mean), lib.tensor(running_var)) if keep_running else (None, None)
        # a large ε keeps finite differences accurate where a channel's few values happen to be close
        y = lib.nn.functional.batch_norm(x, *statistics, *weight_and_bias, training=training, eps=0.1)
        return y if training else y * x  # eval mode is affine in x: a product makes its second derivative nonzero
    return op, arrays


NOT_DIFFERENTIABLE = {
    "all", "allclose", "any", "argmax", "argmin", "argsort", "eq", "equal", "ge", "gt", "isclose", "le", "lt", "ne",
    "logical_and", "logical_not", "logical_or", "unique",
}


def test_every_differentiable_op_has_a_second_derivative_case():
    assert set(gradstep.ops.__all__) - NOT_DIFFERENTIABLE <= set(CASES)
    assert NOT_DIFFERENTIABLE <= set(gradstep.ops.__all__)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch's note on its speed
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_second_derivative(name, data, seed):
    op, arrays, *options = CASES[name](data, seed)
    check_second_derivatives(op, *arrays, seed=seed, **(options[0] if options else {}))


def test_a_gradient_penalty_through_a_small_cnn_matches_pytorch():
    """Double backprop through a network, as a gradient penalty does: ∂‖∂L/∂x‖²/∂θ for every parameter θ.

    The ops meet each other's layouts here: max pooling reads conv2d's channel-major output.
    """
    rng = np.random.default_rng(0)
    arrays = {"x": rng.standard_normal((3, 2, 7, 7)), "w1": rng.standard_normal((4, 2, 3, 3)) * 0.4,
              "b1": rng.standard_normal(4) * 0.1, "gamma": rng.uniform(0.5, 1.5, 4), "beta": rng.standard_normal(4) * 0.1,
              "w2": rng.standard_normal((4, 2, 2, 2)) * 0.4, "fc": rng.standard_normal((5, 4 * 2 * 2)) * 0.3}
    labels = np.array([1, 4, 0])

    def penalty_gradients(lib):
        t = {name: lib.tensor(a, requires_grad=True) for name, a in arrays.items()}
        F = lib.nn.functional
        h = F.conv2d(t["x"], t["w1"], t["b1"], padding=1)
        h = F.max_pool2d(F.batch_norm(h, None, None, t["gamma"], t["beta"], training=True).tanh(), 2, ceil_mode=True)
        h = F.conv2d(F.pad(h, (0, 1, 1, 0)), t["w2"], stride=1, dilation=1, groups=2)
        h = F.adaptive_avg_pool2d(F.avg_pool2d(h, 2, stride=1, padding=1), 2)
        loss = F.cross_entropy(h.flatten(1) @ t["fc"].T, lib.tensor(labels))
        (grad_x,) = lib.autograd.grad(loss, t["x"], create_graph=True)
        penalty = (grad_x ** 2).sum()
        return [g.detach().numpy() for g in lib.autograd.grad(penalty, list(t.values()))]

    for name, ours, theirs in zip(arrays, penalty_gradients(gradstep), penalty_gradients(torch)):
        assert_close(ours, theirs, f"∂penalty/∂{name}")
