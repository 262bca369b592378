"""The convolutional network's ops against PyTorch: conv1d/conv2d, unfold/fold, pad, pooling, batch norm.

Hypothesis draws the shapes and the geometry (kernel, stride, padding, dilation, groups,
ceil_mode...); each op runs in float64 in both libraries, values and gradients must agree
to 1e-9 relative, and gradstep's gradients must match finite differences of its own forward
pass (``check_gradients``). The same op then runs in float32 in both and must agree to 1e-4.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import gradstep
import gradstep.nn.functional as F
from parity import TOLERANCE, assert_same_values
from test_engine_gradients import check_gradients

SETTINGS = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)

LIBRARIES = {gradstep: F, torch: TF}  # each library's functional module


def check_float32(op, *arrays, seed=0):
    """The same op in float32 in both libraries: outputs and every input's gradient to 1e-4."""
    ours = [gradstep.tensor(np.asarray(a, dtype=np.float32), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float32), requires_grad=True) for a in arrays]
    out, expected = op(gradstep, *ours), op(torch, *theirs)
    assert out.dtype == gradstep.float32
    assert_same_values(out, expected, TOLERANCE["float32"], "float32 output")
    upstream = np.random.default_rng(seed).standard_normal(tuple(expected.shape)).astype(np.float32)
    out.backward(gradstep.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        assert_same_values(mine.grad, reference.grad, TOLERANCE["float32"], f"float32 gradient of input {i}")


def check_both(op, *arrays, seed=0):
    check_gradients(op, *arrays, seed=seed)
    check_float32(op, *arrays, seed=seed)


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(seed, shape):
    """Values at least 0.05 apart, so that a max never ties and finite differences never swap it."""
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape))
    return (rng.permutation(count) * 0.05 - count * 0.025).reshape(shape)


# ---- convolution -----------------------------------------------------------------------------
@st.composite
def convolutions(draw, dims):
    """A convolution's arguments and shapes for which PyTorch's output is non-empty."""
    groups = draw(st.integers(1, 3), label="groups")
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding_kind = draw(st.sampled_from(["numbers", "numbers", "same", "valid"]), label="padding kind")
    stride = (1,) * dims if padding_kind == "same" else tuple(draw(st.integers(1, 3)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(dims)) if padding_kind == "numbers" else padding_kind
    pads = padding if isinstance(padding, tuple) else (0,) * dims
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = tuple(max(1, span - 2 * p + draw(st.integers(0, 4))) for span, p in zip(spans, pads))
    batch = draw(st.integers(1, 2), label="batch")
    return dict(
        input_shape=(batch, in_channels, *size), weight_shape=(out_channels, in_channels // groups, *kernel),
        bias=draw(st.booleans(), label="bias"), stride=stride, padding=padding, dilation=dilation, groups=groups,
    )


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own speed
@pytest.mark.parametrize("dims", [1, 2], ids=["conv1d", "conv2d"])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_convolution_matches_pytorch(dims, data, seed):
    case = data.draw(convolutions(dims))
    name = f"conv{dims}d"
    options = {key: case[key] for key in ("stride", "padding", "dilation", "groups")}
    arrays = [normal(seed, case["input_shape"]), normal(seed + 1, case["weight_shape"])]
    if case["bias"]:
        arrays.append(normal(seed + 2, case["weight_shape"][:1]))
    check_both(lambda lib, *tensors: getattr(LIBRARIES[lib], name)(*tensors, **options), *arrays, seed=seed)


def test_conv2d_of_an_unbatched_image_and_its_shape():
    x, weight = normal(0, (3, 9, 8)), normal(1, (4, 3, 3, 3))
    check_both(lambda lib, x, w: LIBRARIES[lib].conv2d(x, w, stride=2, padding=1), x, weight)


def test_conv2d_is_the_sum_over_the_kernel_of_shifted_images():
    # y[o, i, j] = Σ_c,k,l W[o, c, k, l] · x[c, i + k, j + l], written out with slices.
    x, weight = normal(0, (1, 2, 6, 5)), normal(1, (3, 2, 3, 2))
    expected = sum(
        np.einsum("oc,ncij->noij", weight[:, :, k, l], x[:, :, k:k + 4, l:l + 4]) for k in range(3) for l in range(2)
    )
    y = F.conv2d(gradstep.tensor(x), gradstep.tensor(weight))
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)


# ---- unfold, fold, pad -----------------------------------------------------------------------
@st.composite
def windows(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = tuple(max(1, span - 2 * p + draw(st.integers(0, 4))) for span, p in zip(spans, padding))
    return dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride), size


@SETTINGS
@given(data=st.data(), seed=seeds, batch=st.integers(1, 2), channels=st.integers(1, 3))
def test_unfold_matches_pytorch(data, seed, batch, channels):
    options, size = data.draw(windows())
    check_both(lambda lib, x: LIBRARIES[lib].unfold(x, **options), normal(seed, (batch, channels, *size)), seed=seed)


@SETTINGS
@given(data=st.data(), seed=seeds, batch=st.integers(1, 2), channels=st.integers(1, 3))
def test_fold_matches_pytorch(data, seed, batch, channels):
    options, size = data.draw(windows())
    blocks = [(s + 2 * p - d * (k - 1) - 1) // st_ + 1 for s, p, d, k, st_ in
              zip(size, options["padding"], options["dilation"], options["kernel_size"], options["stride"])]
    columns = normal(seed, (batch, channels * int(np.prod(options["kernel_size"])), int(np.prod(blocks))))
    check_both(lambda lib, c: LIBRARIES[lib].fold(c, output_size=size, **options), columns, seed=seed)


def test_fold_is_the_adjoint_of_unfold():
    # ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩: the reason each is the other's backward.
    options = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    x = gradstep.tensor(normal(0, (2, 3, 7, 6)))
    columns = F.unfold(x, **options)
    c = gradstep.tensor(normal(1, tuple(columns.shape)))
    left = float((columns * c).sum())
    right = float((x * F.fold(c, output_size=(7, 6), **options)).sum())
    assert left == pytest.approx(right, rel=1e-12)


@SETTINGS
@given(seed=seeds, data=st.data())
def test_constant_pad_matches_pytorch_including_negative_amounts(seed, data):
    shape = (2, 3, 5, 4)
    dims = data.draw(st.integers(1, 4), label="padded dims")
    amounts = [data.draw(st.integers(-1, 2)) for _ in range(2 * dims)]
    value = data.draw(st.sampled_from([0.0, 1.5]), label="value")
    check_both(lambda lib, x: LIBRARIES[lib].pad(x, amounts, value=value), normal(seed, shape), seed=seed)


# ---- pooling ---------------------------------------------------------------------------------
@st.composite
def pooling(draw, dilations=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilations else (1, 1)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))), label="stride")
    size = tuple(span + draw(st.integers(0, 4)) for span in spans)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans(), label="ceil"))
    if dilations:
        options["dilation"] = dilation
    return options, size


@SETTINGS
@given(data=st.data(), seed=seeds, batch=st.integers(1, 2), channels=st.integers(1, 3))
def test_max_pool2d_matches_pytorch(data, seed, batch, channels):
    options, size = data.draw(pooling())
    x = distinct(seed, (batch, channels, *size))
    check_both(lambda lib, x: LIBRARIES[lib].max_pool2d(x, **options), x, seed=seed)


@SETTINGS
@given(data=st.data(), seed=seeds)
def test_max_pool2d_indices_are_pytorchs_even_on_ties(data, seed):
    options, size = data.draw(pooling())
    # Few distinct values, as after a ReLU: ties everywhere; PyTorch takes the first maximum.
    x = np.random.default_rng(seed).integers(0, 3, (2, 2, *size)).astype(np.float64)
    y, indices = F.max_pool2d(gradstep.tensor(x), **options, return_indices=True)
    expected, expected_indices = TF.max_pool2d(torch.tensor(x), **options, return_indices=True)
    assert_same_values(y, expected, 0.0)
    assert indices.dtype == gradstep.int64
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


def test_max_pool2d_sends_the_gradient_of_overlapping_windows_to_one_element():
    x = gradstep.tensor([[[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(x, kernel_size=2, stride=1).sum().backward()  # all 4 windows pick the 9
    assert x.grad.numpy()[0, 0, 1, 1] == 4 and x.grad.numpy().sum() == 4


def test_max_pool2d_propagates_nan_as_pytorch():
    x = normal(0, (1, 2, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    y, indices = F.max_pool2d(gradstep.tensor(x), 2, return_indices=True)
    expected, expected_indices = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())  # NaN where PyTorch has NaN
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


@SETTINGS
@given(data=st.data(), seed=seeds, count_include_pad=st.booleans(), divisor=st.sampled_from([None, 3]))
def test_avg_pool2d_matches_pytorch(data, seed, count_include_pad, divisor):
    options, size = data.draw(pooling(dilations=False))
    options.update(count_include_pad=count_include_pad, divisor_override=divisor)
    check_both(lambda lib, x: LIBRARIES[lib].avg_pool2d(x, **options), normal(seed, (2, 2, *size)), seed=seed)


@SETTINGS
@given(seed=seeds, height=st.integers(1, 7), width=st.integers(1, 7), data=st.data())
def test_adaptive_avg_pool2d_matches_pytorch(seed, height, width, data):
    out = (data.draw(st.integers(1, height + 2)), data.draw(st.one_of(st.none(), st.integers(1, width + 2))))
    x = normal(seed, (2, 3, height, width))
    check_both(lambda lib, x: LIBRARIES[lib].adaptive_avg_pool2d(x, out), x, seed=seed)


@pytest.mark.parametrize("op", [
    lambda lib, x: LIBRARIES[lib].max_pool2d(x, 3, stride=2, padding=1),
    lambda lib, x: LIBRARIES[lib].avg_pool2d(x, 2),
    lambda lib, x: LIBRARIES[lib].adaptive_avg_pool2d(x, 2),
], ids=["max", "avg", "adaptive"])
def test_pooling_an_unbatched_image(op):
    check_both(op, distinct(0, (3, 6, 5)))


# ---- batch norm ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 5)], ids=["N,C", "N,C,L", "N,C,H,W"])
@pytest.mark.parametrize("training", [True, False], ids=["training", "eval"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@settings(max_examples=8, deadline=None)
@given(seed=seeds)
def test_batch_norm_matches_pytorch(shape, training, affine, seed):
    rng = np.random.default_rng(seed)
    running_mean, running_var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)

    def op(lib, x, *affine_parameters):
        dtype = x.detach().numpy().dtype  # fresh running statistics for every call, in x's dtype
        mean, var = lib.tensor(running_mean.astype(dtype)), lib.tensor(running_var.astype(dtype))
        return LIBRARIES[lib].batch_norm(x, mean, var, *affine_parameters, training=training, momentum=0.3, eps=1e-3)

    arrays = [rng.standard_normal(shape) * 2 + 1]
    if affine:
        arrays += [rng.standard_normal(3), rng.standard_normal(3)]
    check_both(op, *arrays, seed=seed)


def test_batch_norm_updates_the_running_statistics_as_pytorch():
    x = normal(0, (8, 3, 4, 4)) * 3 + 2
    ours = [gradstep.zeros(3, dtype=gradstep.float64), gradstep.ones(3, dtype=gradstep.float64)]
    theirs = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    for _ in range(3):
        F.batch_norm(gradstep.tensor(x), *ours, training=True, momentum=0.2)
        TF.batch_norm(torch.tensor(x), *theirs, training=True, momentum=0.2)
    for mine, reference in zip(ours, theirs):
        assert_same_values(mine, reference, TOLERANCE["float64"], "running statistics")


def test_batch_norm_needs_more_than_one_value_per_channel_when_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(gradstep.ones(1, 4), None, None, training=True)


# ---- dropout2d -------------------------------------------------------------------------------
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    gradstep.manual_seed(0)
    y = F.dropout2d(gradstep.ones(64, 32, 3, 3), p=0.25).numpy()
    per_channel = y.reshape(64, 32, 9)
    assert np.all(per_channel == per_channel[:, :, :1])  # each channel all kept or all dropped
    assert set(np.unique(y)) <= {np.float32(0), np.float32(1 / 0.75)}
    assert 0.2 < (per_channel[:, :, 0] == 0).mean() < 0.3


def test_dropout2d_is_the_identity_in_eval_mode_and_passes_gradients_to_kept_channels():
    x = gradstep.ones(2, 3, 2, 2, requires_grad=True)
    assert F.dropout2d(x, p=0.5, training=False) is x
    gradstep.manual_seed(1)
    y = F.dropout2d(x, p=0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # ∂y/∂x is the mask itself


# ---- errors name what is wrong ---------------------------------------------------------------
@pytest.mark.parametrize("call, error, words", [
    (lambda: F.conv2d(gradstep.ones(1, 3, 8, 8), gradstep.ones(6, 1, 5, 5)), RuntimeError, "to have 1 channels, but got 3"),
    (lambda: F.conv2d(gradstep.ones(1, 1, 3, 3), gradstep.ones(6, 1, 5, 5)), RuntimeError, "Kernel size can't be greater"),
    (lambda: F.conv2d(gradstep.ones(8, 8), gradstep.ones(6, 1, 5, 5)), RuntimeError, "Expected 3D (unbatched) or 4D"),
    (lambda: F.conv2d(gradstep.ones(1, 1, 8, 8), gradstep.ones(6, 1, 3, 3), gradstep.ones(5)), RuntimeError,
     "expected bias to be 1-dimensional with 6 elements"),
    (lambda: F.conv2d(gradstep.ones(1, 4, 8, 8), gradstep.ones(3, 2, 3, 3), groups=2), RuntimeError,
     "expected weight to be divisible by 2"),
    (lambda: F.conv2d(gradstep.ones(1, 1, 8, 8), gradstep.ones(2, 1, 3, 3), stride=2, padding="same"), ValueError,
     "not supported for strided"),
    (lambda: F.conv2d(gradstep.ones(1, 1, 8, 8, dtype=gradstep.float64), gradstep.ones(2, 1, 3, 3)), RuntimeError,
     "should be the same"),
    (lambda: F.conv2d(gradstep.ones(1, 1, 8, 8), gradstep.ones(2, 1, 3, 3), stride=0), ValueError, "stride must be positive"),
    (lambda: F.conv2d(gradstep.ones(1, 1, 8, 8), gradstep.ones(2, 1, 3, 3), padding=(1, 2, 3)), ValueError,
     "a list of 2 integers"),
    (lambda: F.max_pool2d(gradstep.ones(1, 1, 8, 8), 2, padding=2), RuntimeError, "half of kernel size"),
    (lambda: F.max_pool2d(gradstep.ones(1, 1, 1, 1), 2), RuntimeError, "output size is too small"),
    (lambda: F.max_pool2d(gradstep.ones(1, 1, 4, 4, dtype=gradstep.int64), 2), RuntimeError, "floating-point"),
    (lambda: F.pad(gradstep.ones(2, 2), (1, 1, 1)), ValueError, "divisible by 2"),
    (lambda: F.pad(gradstep.ones(2, 2), (1, 1, 1, 1, 1, 1)), ValueError, "two times the input dimension"),
    (lambda: F.pad(gradstep.ones(2, 2), (1, 1), mode="reflect"), NotImplementedError, "mode='constant' only"),
    (lambda: F.fold(gradstep.ones(1, 5, 4), (3, 3), 2), RuntimeError, "divisible by the product of kernel_size"),
    (lambda: F.fold(gradstep.ones(1, 4, 5), (3, 3), 2), RuntimeError, "number of sliding blocks"),
    (lambda: F.batch_norm(gradstep.ones(4, 3), gradstep.zeros(2), gradstep.ones(2)), RuntimeError,
     "should contain 3 elements"),
    (lambda: F.dropout2d(gradstep.ones(4, 3), 0.5), ValueError, "4-D input"),
])
def test_bad_arguments_raise_clear_errors(call, error, words):
    with pytest.raises(error) as raised:
        call()
    assert words in str(raised.value)
