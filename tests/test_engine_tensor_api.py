"""The Tensor API, creation functions and random numbers, compared with PyTorch."""
import numpy as np
import pytest
import torch

import gradstep

# ---- what a tensor is ----------------------------------------------------------------------
DATA = [[1.5, -2.0, 3.0], [4.0, 5.0, 6.25]]


def describe(lib):
    x = lib.tensor(DATA)
    scalar = lib.tensor(2.75)
    return {
        "shape": list(x.shape),
        "size()": list(x.size()),
        "size(1)": x.size(1),
        "size(-1)": x.size(-1),
        "numel": x.numel(),
        "ndim": x.ndim,
        "dim()": x.dim(),
        "T": x.T.tolist(),
        "item": scalar.item(),
        "tolist": x.tolist(),
        "numpy": x.numpy().tolist(),
        "numpy dtype": str(x.numpy().dtype),
        "float()": repr(lib.tensor([1, 2]).float().dtype).split(".")[-1],
        "long()": x.long().tolist(),
        "to(dtype)": repr(x.to(lib.float64).dtype).split(".")[-1],
        "__float__": float(scalar),
        "__int__": int(lib.tensor(7)),
        "__len__": len(x),
        "int item type": type(lib.tensor(3).item()).__name__,
        "bool item type": type(lib.tensor(True).item()).__name__,
        "is_floating_point": x.is_floating_point(),
    }


def test_tensor_attributes_match_pytorch():
    assert describe(gradstep) == describe(torch)


def test_numpy_refuses_a_tensor_that_requires_grad():
    for lib in (gradstep, torch):
        w = lib.tensor([1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="detach"):
            w.numpy()
        assert w.detach().numpy().tolist() == [1.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1.0, 2.5, -3.0]),
        lambda lib: lib.tensor([1, 2, 3]),
        lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
        lambda lib: lib.tensor([0.5, 2.0], dtype=lib.float64),
        lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.5]]),
        lambda lib: lib.tensor([True, False]),
        lambda lib: lib.tensor(3.0),
        lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
    ],
    ids=["float vector", "int vector", "requires_grad", "float64", "2-D", "bool", "scalar", "grad_fn"],
)
def test_repr_matches_pytorch(make):
    expected = repr(make(torch)).replace("torch.", "gradstep.")
    assert repr(make(gradstep)) == expected


# ---- creation ---------------------------------------------------------------------------
CREATIONS = {
    "randint by keywords": lambda lib: lib.randint(low=0, high=3, size=(500, 1), dtype=lib.int64),
    "randint(high, size)": lambda lib: lib.randint(3, (4,)),
    "randint(high, size=)": lambda lib: lib.randint(3, size=(4,)),
    "rand with dtype and requires_grad": lambda lib: lib.rand((500, 20), dtype=lib.float64, requires_grad=True),
    "rand(2, 3)": lambda lib: lib.rand(2, 3),
    "randn": lambda lib: lib.randn(3, 2),
    "zeros(2, 3)": lambda lib: lib.zeros(2, 3),
    "zeros((2, 3))": lambda lib: lib.zeros((2, 3)),
    "ones with dtype": lambda lib: lib.ones(2, dtype=lib.int64),
    "full((2,), 7)": lambda lib: lib.full((2,), 7),
    "full((2, 2), 0.5)": lambda lib: lib.full((2, 2), 0.5),
    "arange(5)": lambda lib: lib.arange(5),
    "arange(1, 2, 0.25)": lambda lib: lib.arange(1, 2, 0.25),
    "arange(end=4, dtype)": lambda lib: lib.arange(0, 4, dtype=lib.float64),
    "randperm": lambda lib: lib.randperm(6),
    "eye": lambda lib: lib.eye(3),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "zeros_like": lambda lib: lib.zeros_like(lib.tensor([1, 2])),
}
RANDOM = {"randint", "rand", "randn", "randperm"}


@pytest.mark.parametrize("name", CREATIONS)
def test_creation_functions_take_pytorch_arguments(name):
    ours, theirs = CREATIONS[name](gradstep), CREATIONS[name](torch)
    assert list(ours.shape) == list(theirs.shape)
    assert repr(ours.dtype).split(".")[-1] == repr(theirs.dtype).split(".")[-1]
    assert ours.requires_grad == theirs.requires_grad
    if name.split("(")[0].split(" ")[0] not in RANDOM:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())


def test_random_values_are_in_range():
    assert set(gradstep.randint(low=0, high=3, size=(500, 1)).unique().tolist()) == {0, 1, 2}
    assert sorted(gradstep.randperm(6).tolist()) == list(range(6))
    uniform = gradstep.rand(1000)
    assert 0 <= uniform.min().item() and uniform.max().item() < 1


@pytest.mark.parametrize("make", [lambda: gradstep.rand(5), lambda: gradstep.randn(5),
                                  lambda: gradstep.randint(0, 100, (5,)), lambda: gradstep.randperm(5)])
def test_manual_seed_gives_the_same_numbers(make):
    gradstep.manual_seed(420)
    first = make().tolist()
    gradstep.manual_seed(420)
    assert make().tolist() == first
    generator = gradstep.Generator().manual_seed(7)
    again = gradstep.Generator().manual_seed(7)
    assert gradstep.rand(4, generator=generator).tolist() == gradstep.rand(4, generator=again).tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "uint8"])
def test_type_names_the_tensor_type_as_pytorch_does(dtype):
    ours = gradstep.zeros(2, dtype=getattr(gradstep, dtype)).type()
    theirs = torch.zeros(2, dtype=getattr(torch, dtype)).type()
    assert ours == theirs.replace("torch.", "gradstep.")


def test_view_with_a_dtype_is_refused_rather_than_converting():
    with pytest.raises(TypeError, match=r"\.to\(dtype\)"):
        gradstep.ones(2).view(gradstep.int64)
