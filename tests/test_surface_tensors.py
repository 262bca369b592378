"""The tensor API beginner code touches, beyond the lesson: dtypes, aliases, legacy types, out=,
gather/scatter, norms, printing, devices. Each is run on PyTorch and on gradstep and compared."""
import itertools
import math
import warnings

import numpy as np
import pytest
import torch

import gradstep

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def name(dtype):
    return repr(dtype).split(".")[-1]


def as_numpy(t):
    return t.detach().numpy()


# ---- dtypes and promotion --------------------------------------------------------------------
@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_matches_pytorch_for_every_pair(a, b):
    ours = gradstep.promote_types(getattr(gradstep, a if a != "bool" else "bool"), getattr(gradstep, b))
    assert name(ours) == name(torch.promote_types(getattr(torch, a), getattr(torch, b)))


def operands(lib, dtype):
    """A 1-d tensor, a 0-d tensor and Python numbers, all of one dtype family, for result_type."""
    kind = getattr(lib, dtype)
    return [lib.ones(2, dtype=kind), lib.ones((), dtype=kind)]


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)))
def test_result_type_with_zero_dim_tensors_and_scalars_matches_pytorch(a, b):
    ours = operands(gradstep, a) + operands(gradstep, b) + [2, 2.5, True]
    theirs = operands(torch, a) + operands(torch, b) + [2, 2.5, True]
    for i, j in itertools.combinations(range(len(ours)), 2):
        if isinstance(ours[i], (int, float)) and isinstance(ours[j], (int, float)):
            continue
        assert name(gradstep.result_type(ours[i], ours[j])) == name(torch.result_type(theirs[i], theirs[j])), (i, j)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float16"])
def test_arithmetic_in_the_new_dtypes_matches_pytorch(dtype):
    def run(lib):
        x = lib.tensor([1, 2, 100], dtype=getattr(lib, dtype))
        y = lib.tensor([3, -4, 100], dtype=getattr(lib, dtype))
        results = {"x + y": x + y, "x * y": x * y, "x - 1": x - 1, "x * 2.5": x * 2.5, "x / y": x / y,
                   "x + uint8": x + lib.tensor([1, 2, 3], dtype=lib.uint8), "sum": x.sum(), "x > 1": x > 1}
        return {key: (name(value.dtype), value.tolist()) for key, value in results.items()}

    ours, theirs = run(gradstep), run(torch)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert ours[key][0] == theirs[key][0], key
        np.testing.assert_allclose(ours[key][1], theirs[key][1], rtol=1e-3, err_msg=key)


def test_dtype_names_and_conversions_match_pytorch():
    def run(lib):
        x = lib.tensor([1.7, -2.2])
        return [name(d) for d in (lib.int, lib.short, lib.half, lib.long, lib.float, lib.double)] + [
            name(x.int().dtype), name(x.short().dtype), name(x.char().dtype), name(x.byte().dtype),
            name(x.half().dtype), x.int().tolist(), lib.int8.itemsize, lib.int16.is_signed, lib.uint8.is_signed,
            lib.float16.is_floating_point,
        ]

    assert run(gradstep) == run(torch)


def test_from_numpy_keeps_the_new_dtypes():
    for np_dtype in (np.int8, np.int16, np.int32, np.float16):
        array = np.arange(3, dtype=np_dtype)
        assert name(gradstep.from_numpy(array).dtype) == name(torch.from_numpy(array).dtype)


# ---- NumPy's names: axis= and keepdims= -------------------------------------------------------
ALIAS_CASES = {
    "sum": lambda lib, x: x.sum(axis=1, keepdims=True),
    "torch.sum": lambda lib, x: lib.sum(x, axis=0),
    "mean": lambda lib, x: x.mean(axis=0, keepdims=True),
    "torch.mean": lambda lib, x: lib.mean(x, axis=1),
    "max": lambda lib, x: x.max(axis=1).values,
    "max indices": lambda lib, x: x.max(axis=1, keepdims=True).indices,
    "min": lambda lib, x: lib.min(x, axis=0).values,
    "argmax": lambda lib, x: x.argmax(axis=1),
    "argmin": lambda lib, x: lib.argmin(x, axis=0, keepdims=True),
    "all": lambda lib, x: (x > 0).all(axis=1),
    "any": lambda lib, x: lib.any(x > 4, axis=0),
    "cat": lambda lib, x: lib.cat([x, x], axis=1),
    "stack": lambda lib, x: lib.stack([x, x], axis=1),
    "softmax": lambda lib, x: x.softmax(axis=1),
    "log_softmax": lambda lib, x: lib.log_softmax(x, axis=0),
    "unsqueeze": lambda lib, x: x.unsqueeze(axis=0),
    "squeeze": lambda lib, x: x[:1].squeeze(axis=0),
    "norm": lambda lib, x: x.norm(dim=1, keepdim=True),
    "gather": lambda lib, x: x.gather(axis=1, index=lib.tensor([[0], [2]])),
}


@pytest.mark.parametrize("case", ALIAS_CASES)
def test_numpy_argument_names_work_as_in_pytorch(case):
    ours = ALIAS_CASES[case](gradstep, gradstep.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]))
    theirs = ALIAS_CASES[case](torch, torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]))
    assert name(ours.dtype) == name(theirs.dtype)
    np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), rtol=1e-6)


def test_an_argument_given_by_both_names_is_refused():
    with pytest.raises(TypeError, match="dim= and axis="):
        gradstep.ones(2, 2).sum(dim=0, axis=1)


# ---- random numbers and creation -------------------------------------------------------------
def test_normal_has_pytorchs_signatures_shapes_and_dtypes():
    def run(lib):
        return [
            (tuple(t.shape), name(t.dtype), t.requires_grad)
            for t in (
                lib.normal(0, 1, (1000, 2)),
                lib.normal(0, 0.01, size=(2, 1), requires_grad=True),
                lib.normal(lib.zeros(3, 1), 1.0),
                lib.normal(2.0, lib.ones(4, dtype=lib.float64)),
                lib.normal(lib.zeros(2, 3), lib.ones(2, 3)),
                lib.normal(0, 1, (2,), dtype=lib.float64),
            )
        ]

    assert run(gradstep) == run(torch)


def test_normal_draws_from_the_asked_distribution():
    gradstep.manual_seed(0)
    sample = gradstep.normal(3.0, 0.5, size=(20000,)).numpy()
    assert abs(sample.mean() - 3.0) < 0.02 and abs(sample.std() - 0.5) < 0.02
    per_element = gradstep.normal(gradstep.tensor([0.0, 100.0]), gradstep.tensor([1e-6, 1e-6])).numpy()
    np.testing.assert_allclose(per_element, [0.0, 100.0], atol=1e-4)


def test_normal_errors_are_clear():
    with pytest.raises(TypeError, match="give the size"):
        gradstep.normal(0, 1)
    with pytest.raises(RuntimeError, match="std >= 0"):
        gradstep.normal(0, -1.0, size=(2,))


def test_size_keyword_and_like_functions_match_pytorch():
    def run(lib):
        x = lib.ones(2, 3, dtype=lib.int64)
        made = [
            lib.randn(size=(2, 3)), lib.rand(size=(4,)), lib.zeros(size=(1, 2)), lib.ones(size=[3]),
            lib.rand_like(x, dtype=lib.float64), lib.randn_like(x.float()), lib.zeros_like(x, dtype=lib.float16),
            lib.ones_like(x, dtype=lib.bool), lib.full_like(x, 7, dtype=lib.int32), lib.empty_like(x),
            lib.rand(2, dtype=lib.float16), x.new_ones(2, 2), x.new_zeros((3,), dtype=lib.float32),
            x.new_full((2,), 5), x.new_tensor([1, 2]), lib.ones_like(x, requires_grad=True, dtype=lib.float32),
        ]
        return [(tuple(t.shape), name(t.dtype), t.requires_grad) for t in made]

    assert run(gradstep) == run(torch)


# ---- legacy types ------------------------------------------------------------------------------
def test_legacy_constructors_match_pytorch():
    def run(lib):
        made = [
            lib.Tensor(2, 3), lib.Tensor([1, 2]), lib.Tensor(), lib.Tensor(lib.Size([2, 1])), lib.FloatTensor([[1, 2]]),
            lib.LongTensor([1.0, 2.0]), lib.DoubleTensor(3), lib.IntTensor([5]), lib.ByteTensor([1, 2]),
            lib.BoolTensor([True]), lib.HalfTensor([0.5]), lib.ShortTensor(2), lib.CharTensor([-1]),
        ]
        return [(tuple(t.shape), name(t.dtype)) for t in made] + [lib.Tensor([1.5, 2]).tolist()]

    assert run(gradstep) == run(torch)


def test_legacy_types_as_isinstance_checks_and_type_arguments_match_pytorch():
    def run(lib):
        x = lib.tensor([1.5, -2.5])
        return [
            isinstance(x, lib.FloatTensor), isinstance(x, lib.LongTensor), isinstance(x.long(), lib.LongTensor),
            x.type(), x.long().type(), x.int().type(), x.half().type(),
            name(x.type(lib.LongTensor).dtype), name(x.type("torch.IntTensor").dtype),
            name(x.type(lib.float64).dtype), x.type(lib.LongTensor).tolist(), name(x.type_as(lib.ones(1, dtype=lib.int16)).dtype),
        ]

    assert [str(v).replace("torch.", "gradstep.") for v in run(torch)] == [str(v) for v in run(gradstep)]


def test_legacy_constructor_with_other_arguments_says_what_it_expects():
    with pytest.raises(TypeError, match="sizes"):
        gradstep.FloatTensor([1], [2])


# ---- transposes, formatting, printing --------------------------------------------------------
def test_matrix_transposes_match_pytorch():
    def run(lib):
        x = lib.arange(24.0).reshape(2, 3, 4)
        m = lib.arange(6.0).reshape(2, 3)
        return [x.mT.tolist(), x.mH.tolist(), m.H.tolist(), list(x.mT.shape)]

    assert run(gradstep) == run(torch)
    for lib in (gradstep, torch):
        with pytest.raises(RuntimeError, match="mT"):
            lib.ones(3).mT


@pytest.mark.parametrize("spec", ["f", ">7f", ".3f", "8.2e", "", ">10.4g"])
def test_format_specs_on_zero_dim_tensors_format_the_number(spec):
    for value in (2.5, 1e-7, -3.0):
        assert format(gradstep.tensor(value), spec) == format(torch.tensor(value), spec)
    assert format(gradstep.tensor(7), "5d") == format(torch.tensor(7), "5d")


def test_a_format_spec_on_a_tensor_with_dimensions_is_refused_like_pytorch():
    for lib in (gradstep, torch):
        with pytest.raises(TypeError, match="unsupported format string"):
            format(lib.tensor([2.5]), "f")
    assert format(gradstep.tensor([2.5]), "") == str(gradstep.tensor([2.5]))


@pytest.mark.parametrize(
    "options",
    [{"precision": 2}, {"precision": 6}, {"sci_mode": True}, {"sci_mode": False}, {"profile": "short"},
     {"threshold": 5, "edgeitems": 1}, {"linewidth": 30}, {"profile": "full"}],
)
def test_set_printoptions_prints_like_pytorch(options):
    values = [[1.23456789, -2.5, 1e-5, 300.0], [0.1, 0.2, 0.3, 0.4]]
    try:
        gradstep.set_printoptions(**options)
        torch.set_printoptions(**options)
        for data in (values, [1.5, 2.25], list(range(12))):
            assert repr(gradstep.tensor(data)) == repr(torch.tensor(data)).replace("torch.", "gradstep.")
    finally:
        gradstep.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


# ---- out= --------------------------------------------------------------------------------------
OUT_CASES = {
    "matmul": lambda lib, a, b, out: lib.matmul(a, b.T, out=out),
    "mul": lambda lib, a, b, out: lib.mul(a, b, out=out),
    "add": lambda lib, a, b, out: lib.add(a, b, out=out),
    "sub": lambda lib, a, b, out: lib.sub(a, b, out=out),
    "div": lambda lib, a, b, out: lib.div(a, b, out=out),
    "exp": lambda lib, a, b, out: lib.exp(a, out=out),
    "cat": lambda lib, a, b, out: lib.cat([a, b], out=out),
    "stack": lambda lib, a, b, out: lib.stack([a, b], out=out),
    "maximum": lambda lib, a, b, out: lib.maximum(a, b, out=out),
}


@pytest.mark.parametrize("case", OUT_CASES)
def test_out_writes_the_result_into_the_given_tensor(case):
    results = []
    for lib in (gradstep, torch):
        a = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = lib.tensor([[0.5, 1.0, -1.0], [2.0, 3.0, 4.0]])
        expected = OUT_CASES[case](lib, a, b, None)
        out = lib.zeros(expected.shape)
        returned = OUT_CASES[case](lib, a, b, out)
        assert returned is out
        results.append(out.tolist())
    np.testing.assert_allclose(results[0], results[1])


def test_out_resizes_refuses_a_narrower_dtype_and_refuses_autograd_like_pytorch():
    for lib in (gradstep, torch):
        a = lib.ones(2, 3)
        empty = lib.zeros(0)
        assert lib.mul(a, a, out=empty).shape == (2, 3)
        assert lib.add(a, a, out=lib.zeros(2, 3, dtype=lib.float64)).dtype == lib.float64
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert lib.mul(a, a, out=lib.zeros(5)).shape == (2, 3)
        assert any("resized" in str(w.message) for w in caught)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            lib.mul(a, a, out=lib.zeros(2, 3, dtype=lib.int64))
        w = lib.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(w, a, out=lib.zeros(2, 3))
        with lib.no_grad():
            assert lib.mul(w, a, out=lib.zeros(2, 3)).tolist() == [[1.0] * 3] * 2


# ---- gather, scatter and friends ---------------------------------------------------------------
def graded(lib, data):
    return lib.tensor(data, dtype=lib.float64, requires_grad=True)


SELECT_CASES = {
    "gather dim 1": lambda lib, x: lib.gather(x, 1, lib.tensor([[0, 0, 2], [3, 1, 1], [2, 2, 2]])),
    "gather dim 0 smaller index": lambda lib, x: x.gather(0, lib.tensor([[2, 0]])),
    "gather negative dim": lambda lib, x: x.gather(-1, lib.tensor([[1], [0], [3]])),
    "index_select": lambda lib, x: lib.index_select(x, 1, lib.tensor([3, 0, 0])),
    "index_select dim 0": lambda lib, x: x.index_select(0, lib.tensor([2])),
    "scatter tensor": lambda lib, x: x.scatter(1, lib.tensor([[0, 1], [2, 3], [1, 1]]), x[:, :2] * 10),
    "scatter value": lambda lib, x: x.scatter(0, lib.tensor([[0, 2, 1, 0]]), value=-1.0),
    "scatter_add": lambda lib, x: lib.scatter_add(x, 1, lib.tensor([[0, 0], [1, 3], [2, 2]]), x[:, 1:3] * 3),
    "index_add": lambda lib, x: x.index_add(0, lib.tensor([2, 2]), x[:2] * 2),
    "index_add alpha": lambda lib, x: lib.index_add(x, 1, lib.tensor([0]), x[:, 3:], alpha=0.5),
    "masked_fill": lambda lib, x: x.masked_fill(x > 5, 0.0),
    "masked_fill row mask": lambda lib, x: lib.masked_fill(x, lib.tensor([True, False, True, False]), 2.5),
    "where": lambda lib, x: lib.where(x > 4, x * 2, x),
}


@pytest.mark.parametrize("case", SELECT_CASES)
def test_gather_scatter_values_and_gradients_match_pytorch(case):
    data = np.arange(12.0).reshape(3, 4) * 0.5 + 1
    results = []
    for lib in (gradstep, torch):
        x = graded(lib, data)
        y = SELECT_CASES[case](lib, x)
        weights = lib.tensor(np.linspace(-1, 2, y.numel()).reshape(tuple(y.shape)))
        (y * weights).sum().backward()
        results.append((as_numpy(y), as_numpy(x.grad)))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])


def test_scatter_with_reduce_add_is_scatter_add():
    added = gradstep.scatter(gradstep.zeros(2, 2), 1, gradstep.tensor([[1, 1]]), gradstep.ones(1, 2), reduce="add")
    assert added.tolist() == [[0, 2], [0, 0]]


def test_scatter_in_place_builds_one_hot_rows_like_pytorch():
    def run(lib):
        labels = lib.tensor([[2], [0], [1]])
        one_hot = lib.zeros(3, 4).scatter_(1, labels, 1.0)
        single = lib.zeros(10, dtype=lib.float32).scatter_(0, lib.tensor(7), value=1)
        counts = lib.zeros(4).scatter_add_(0, lib.tensor([1, 1, 3]), lib.ones(3))
        rows = lib.zeros(3, 2).index_add_(0, lib.tensor([0, 0]), lib.ones(2, 2))
        filled = lib.arange(4).masked_fill_(lib.arange(4) > 1, -1)
        return [one_hot.tolist(), single.tolist(), counts.tolist(), rows.tolist(), filled.tolist()]

    assert run(gradstep) == run(torch)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: gradstep.zeros(3).scatter_(0, gradstep.tensor([5]), 1.0), "index 5 is out of bounds for dimension 0 with size 3"),
        (lambda: gradstep.zeros(3, 2).gather(1, gradstep.tensor([[0.5]])), "int64"),
        (lambda: gradstep.zeros(3, 2).gather(1, gradstep.tensor([0])), "same number of dimensions"),
        (lambda: gradstep.zeros(3).index_select(0, gradstep.tensor([3])), "index 3 is out of range"),
        (lambda: gradstep.zeros(2, 2).scatter(1, gradstep.tensor([[0]])), "src= .* or value="),
        (lambda: gradstep.zeros(2, 2).masked_fill(gradstep.ones(2, 2), 1.0), "bool"),
        (lambda: gradstep.zeros(2, 2).masked_fill(gradstep.ones(3, dtype=gradstep.bool), 1.0), r"shape \(3,\)"),
    ],
)
def test_bad_indices_are_reported_clearly(call, match):
    with pytest.raises((RuntimeError, TypeError, IndexError), match=match):
        call()


# ---- norms -----------------------------------------------------------------------------------
NORM_CASES = {
    "norm()": lambda lib, x: x.norm(),
    "torch.norm": lambda lib, x: lib.norm(x),
    "norm p=1": lambda lib, x: lib.norm(x, p=1),
    "norm p=3 dim": lambda lib, x: x.norm(p=3, dim=1),
    "norm p=inf": lambda lib, x: x.norm(p=float("inf")),
    "norm p=-inf dim": lambda lib, x: x.norm(p=-math.inf, dim=0),
    "norm p=0": lambda lib, x: x.norm(p=0, dim=1),
    "norm dim keepdim": lambda lib, x: x.norm(dim=0, keepdim=True),
    "norm fro dims": lambda lib, x: lib.norm(x, p="fro", dim=(0, 1)),
    "linalg.norm": lambda lib, x: lib.linalg.norm(x),
    "linalg.norm dim": lambda lib, x: lib.linalg.norm(x, dim=1),
    "linalg.norm ord 1": lambda lib, x: lib.linalg.norm(x, ord=1),
    "linalg.norm ord inf": lambda lib, x: lib.linalg.norm(x, ord=math.inf),
    "linalg.norm ord -1": lambda lib, x: lib.linalg.norm(x, ord=-1),
    "linalg.norm vector ord": lambda lib, x: lib.linalg.norm(x[0], ord=3),
    "vector_norm": lambda lib, x: lib.linalg.vector_norm(x, ord=2.5, dim=1),
    "matrix_norm": lambda lib, x: lib.linalg.matrix_norm(x),
}


@pytest.mark.parametrize("case", NORM_CASES)
def test_norm_values_and_gradients_match_pytorch(case):
    data = [[3.0, -4.0, 0.5], [0.0, 0.0, 0.0], [1.0, 2.0, -2.0]]
    results = []
    for lib in (gradstep, torch):
        x = graded(lib, data)
        y = NORM_CASES[case](lib, x)
        (y * lib.tensor(np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        results.append((as_numpy(y), None if x.grad is None else as_numpy(x.grad)))  # p=0 has no gradient
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    assert (results[0][1] is None) == (results[1][1] is None)
    if results[1][1] is not None:
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)


def test_norm_of_integers_is_refused_like_pytorch():
    for lib in (gradstep, torch):
        with pytest.raises(RuntimeError, match="[Ff]loating point"):
            lib.norm(lib.tensor([1, 2]))


# ---- devices -------------------------------------------------------------------------------------
def test_device_questions_get_a_cpu_machines_answers():
    assert gradstep.cuda.is_available() is False and gradstep.cuda.device_count() == 0
    assert gradstep.backends.mps.is_available() is False and gradstep.backends.mps.is_built() is False
    assert gradstep.accelerator.is_available() is False and gradstep.accelerator.current_accelerator() is None
    gradstep.cuda.manual_seed(0)
    gradstep.cuda.manual_seed_all(0)
    gradstep.backends.cudnn.deterministic = True
    device = gradstep.accelerator.current_accelerator().type if gradstep.accelerator.is_available() else "cpu"
    x = gradstep.ones(2, device=device).to(device)
    assert x.device == gradstep.device("cpu") and not x.is_cuda
    assert str(gradstep.device("cuda" if gradstep.cuda.is_available() else "cpu")) == "cpu"


@pytest.mark.parametrize(
    "make",
    [
        lambda: gradstep.zeros(2, device="cuda"),
        lambda: gradstep.randn(2, device="cuda:0"),
        lambda: gradstep.arange(3, device="mps"),
        lambda: gradstep.normal(0, 1, (2,), device="cuda"),
        lambda: gradstep.ones(2).to("cuda"),
        lambda: gradstep.ones(2).cuda(),
        lambda: gradstep.ones_like(gradstep.ones(2), device="cuda"),
        lambda: gradstep.FloatTensor([1], device="cuda"),
        lambda: gradstep.nn.Linear(2, 2).to("cuda"),
    ],
)
def test_any_device_but_the_cpu_gets_an_error_naming_it(make):
    with pytest.raises(RuntimeError, match="'(cuda|cuda:0|mps)' is not available"):
        make()
