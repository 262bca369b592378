"""Results without gradients, and the dtypes of results, compared with PyTorch.

Non-differentiable ops (argmax, comparisons, unique, sort, sum of bools) must give the
same numbers; every op must give the same dtype, by PyTorch's promotion rules.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradstep

SETTINGS = settings(max_examples=30, deadline=None)

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)
seeds = st.integers(0, 2**32 - 1)


def assert_same(ours, theirs):
    """Same dtype, shape and elements as the PyTorch result."""
    assert repr(ours.dtype).removeprefix("gradstep.") == repr(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def both(array):
    return gradstep.tensor(array), torch.tensor(array)


def distinct_values(seed, shape):
    """Floats without ties, so argmax and sort have one right answer."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0


def small_integers(seed, shape):
    """Integers with many repeats: good for comparisons and unique."""
    return np.random.default_rng(seed).integers(-3, 4, shape)


# ---- non-differentiable ops -----------------------------------------------------------------
@SETTINGS
@given(shape=shapes, seed=seeds, keepdim=st.booleans(), data=st.data())
def test_argmax_and_argmin(shape, seed, keepdim, data):
    ours, theirs = both(distinct_values(seed, shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    for name in ("argmax", "argmin"):
        assert_same(getattr(ours, name)(), getattr(theirs, name)())
        assert_same(getattr(gradstep, name)(ours, dim, keepdim), getattr(torch, name)(theirs, dim, keepdim))


COMPARISONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@pytest.mark.parametrize("name", COMPARISONS)
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), seed=seeds)
def test_comparisons_give_bool_tensors(name, shapes, seed):
    compare = COMPARISONS[name]
    x_shape, y_shape = shapes.input_shapes
    (x, tx), (y, ty) = both(small_integers(seed, x_shape)), both(small_integers(seed + 1, y_shape) * 1.0)
    assert_same(compare(x, y), compare(tx, ty))
    assert_same(compare(x, 1), compare(tx, 1))
    assert_same(compare(2.5, y), compare(2.5, ty))


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unique(shape, seed):
    ours, theirs = both(small_integers(seed, shape))
    assert_same(gradstep.unique(ours), torch.unique(theirs))
    for mine, reference in zip(ours.unique(return_inverse=True, return_counts=True),
                               theirs.unique(return_inverse=True, return_counts=True)):
        assert_same(mine, reference)


@SETTINGS
@given(shape=shapes, seed=seeds, descending=st.booleans(), data=st.data())
def test_sort(shape, seed, descending, data):
    ours, theirs = both(distinct_values(seed, shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    values, indices = gradstep.sort(ours, dim, descending=descending)
    expected = torch.sort(theirs, dim, descending=descending)
    assert_same(values, expected.values)
    assert_same(indices, expected.indices)
    assert_same(ours.sort(dim).indices, theirs.sort(dim).indices)


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_sum_of_bools_counts_as_int64(shape, seed, data):
    ours, theirs = both(np.random.default_rng(seed).random(shape) < 0.5)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    assert_same(ours.sum(), theirs.sum())
    assert_same(ours.sum(dim), theirs.sum(dim))
    assert_same((ours == ours).sum(dim, keepdim=True), (theirs == theirs).sum(dim, keepdim=True))


def test_max_of_ties_indices_and_gradient_match_pytorch():
    ours = gradstep.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    theirs = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    assert_same(ours.max(dim=1).indices, theirs.max(dim=1).indices)
    assert_same(ours.argmax(dim=1), theirs.argmax(dim=1))
    ours.max().backward()
    theirs.max().backward()
    assert_same(ours.grad, theirs.grad)


# ---- dtypes --------------------------------------------------------------------------------
def creations(lib):
    """How data becomes a tensor: the dtype follows the data, as PyTorch infers it."""
    return {
        "python floats": lib.tensor([1.0, 2.5]),
        "python ints": lib.tensor([1, 2]),
        "python bools": lib.tensor([True, False]),
        "ints and floats": lib.tensor([1, 2.5]),
        "bools and ints": lib.tensor([True, 2]),
        "a python float": lib.tensor(3.0),
        "float64 array": lib.tensor(np.array([1.0, 2.0])),
        "float32 array": lib.tensor(np.array([1.0, 2.0], dtype=np.float32)),
        "int64 array": lib.tensor(np.array([1, 2])),
        "uint8 array": lib.tensor(np.array([1, 2], dtype=np.uint8)),
        "bool array": lib.tensor(np.array([True, False])),
        "numpy float64 scalar": lib.tensor(np.float64(1.5)),
        "float64 array by from_numpy": lib.from_numpy(np.array([1.0])),
        "explicit dtype": lib.tensor([1, 2], dtype=lib.float64),
        "zeros": lib.zeros(2),
        "arange of ints": lib.arange(3),
        "arange of floats": lib.arange(0.0, 1.0, 0.25),
        "full of an int": lib.full((2,), 7),
        "full of a float": lib.full((2,), 7.0),
        "ones_like an int tensor": lib.ones_like(lib.tensor([1, 2])),
    }


def promotions(lib):
    """Results of ops mixing dtypes, tensors with dims, 0-d tensors and Python numbers."""
    f32, f64 = lib.ones(2), lib.ones(2, dtype=lib.float64)
    i64, u8, b = lib.tensor([1, 2]), lib.tensor([1, 2], dtype=lib.uint8), lib.tensor([True, False])
    return {
        "float32 + float64": f32 + f64,
        "int64 * 2.5": i64 * 2.5,
        "float32 * python float": f32 * 2.5,
        "float32 * python int": f32 * 2,
        "int64 * python int": i64 * 2,
        "int64 + True": i64 + True,
        "bool + bool": b + b,
        "bool * python int": b * 3,
        "bool * python float": b * 0.5,
        "uint8 + int64": u8 + i64,
        "uint8 + python int": u8 + 1,
        "float32 + 0-d float64": f32 + lib.tensor(1.0, dtype=lib.float64),
        "int64 + 0-d float64": i64 + lib.tensor(1.0, dtype=lib.float64),
        "uint8 + 0-d int64": u8 + lib.tensor(1),
        "bool + 0-d int64": b + lib.tensor(1),
        "0-d float64 + 0-d float32": lib.tensor(1.0, dtype=lib.float64) + lib.tensor(1.0),
        "float32 + numpy float64 scalar": f32 + np.float64(1.0),
        "int64 / int64": i64 / i64,
        "int64 / python int": i64 / 2,
        "python int / int64": 2 / i64,
        "int64 ** 2": i64**2,
        "int64 ** 0.5": i64**0.5,
        "2 ** int64": 2**i64,
        "2.0 ** int64": 2.0**i64,
        "sum of int64": i64.sum(),
        "sum of bool": b.sum(),
        "sum of uint8": u8.sum(),
        "sum of float32 as float64": f32.sum(dtype=lib.float64),
        "exp of int64": lib.exp(i64),
        "sqrt of bool": lib.sqrt(b),
        "sigmoid of int64": lib.sigmoid(i64),
        "max of int64": i64.max(),
        "abs of int64": i64.abs(),
        "neg of int64": -i64,
        "relu of int64": lib.relu(i64),
        "clamp int64 by int": lib.clamp(i64, min=0),
        "clamp int64 by float": lib.clamp(i64, min=0.5),
        "maximum of int64 and float32": lib.maximum(i64, f32),
        "where int64 or float64": lib.where(b, i64, f64),
        "where float32 or python float": lib.where(b, f32, 0.0),
        "cat of int64 and float32": lib.cat([i64, f32]),
        "stack of uint8 and bool": lib.stack([u8, b]),
        "int64 indexed": i64[0],
        "float32 cast .double()": f32.double(),
        "float64 cast .float()": f64.float(),
        "float32 cast .long()": f32.long(),
        "int64 cast .to(float64)": i64.to(lib.float64),
        "float32 cast .bool()": f32.bool(),
        "argmax": f32.argmax(),
    }


@pytest.mark.parametrize("table", [creations, promotions])
def test_dtypes_follow_pytorch(table):
    ours, theirs = table(gradstep), table(torch)
    mismatches = {
        case: (repr(ours[case].dtype), repr(theirs[case].dtype))
        for case in ours
        if repr(ours[case].dtype).removeprefix("gradstep.") != repr(theirs[case].dtype).removeprefix("torch.")
    }
    assert not mismatches
    for case in ours:  # float32 exp and sqrt may differ in the last bit
        np.testing.assert_allclose(ours[case].numpy(), theirs[case].numpy(), rtol=1e-6, err_msg=case)
