"""The convolutional layers as modules: PyTorch's shapes, initialisation, repr, state_dict and modes.

BatchNorm's running statistics, its train/eval switch and its state_dict keys are compared
with PyTorch's step by step; a PyTorch CNN's state_dict loads into the same network built
with gradstep and gives PyTorch's outputs.
"""
import math

import numpy as np
import pytest
import torch

import gradstep
from gradstep import nn
from gradstep.train.cnn import build_cnn
from parity import TOLERANCE, assert_same_values, twin_models

LAYERS = {
    "conv2d": lambda nn: nn.Conv2d(3, 6, 5),
    "conv2d_all_options": lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=2, groups=2,
                                               bias=False),
    "conv2d_same": lambda nn: nn.Conv2d(2, 4, 4, padding="same"),
    "conv1d": lambda nn: nn.Conv1d(2, 4, 3, stride=2, padding=1),
    "max_pool": lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    "avg_pool": lambda nn: nn.AvgPool2d(2),
    "adaptive_avg_pool": lambda nn: nn.AdaptiveAvgPool2d((1, 2)),
    "batch_norm_2d": lambda nn: nn.BatchNorm2d(6, eps=1e-3, momentum=0.2),
    "batch_norm_1d": lambda nn: nn.BatchNorm1d(6, affine=False),
    "batch_norm_no_bias": lambda nn: nn.BatchNorm2d(6, bias=False),
    "batch_norm_no_running_stats": lambda nn: nn.BatchNorm2d(6, track_running_stats=False),
    "dropout2d": lambda nn: nn.Dropout2d(0.3),
}


@pytest.mark.parametrize("name", LAYERS)
def test_repr_and_state_dict_keys_are_pytorchs(name):
    ours, theirs = LAYERS[name](nn), LAYERS[name](torch.nn)
    assert repr(ours) == repr(theirs)
    state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(their_state)
    for key, value in their_state.items():
        assert tuple(state[key].shape) == tuple(value.shape), key
        assert state[key].dtype.name == str(value.dtype).removeprefix("torch."), key


@pytest.mark.parametrize("layer, fan_in", [(lambda: nn.Conv2d(3, 64, 5), 75),
                                           (lambda: nn.Conv2d(8, 64, 3, groups=4), 18),
                                           (lambda: nn.Conv1d(4, 64, 7), 28)])
def test_conv_init_is_uniform_within_one_over_sqrt_fan_in(layer, fan_in):
    gradstep.manual_seed(0)
    conv = layer()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_ with a=√5, as nn.Linear
    for values in (conv.weight.detach().numpy(), conv.bias.detach().numpy()):
        assert values.max() <= bound and values.min() >= -bound
        assert values.max() > 0.8 * bound and values.min() < -0.8 * bound


def test_conv2d_layer_computes_f_conv2d_with_its_parameters():
    layer = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    x = gradstep.randn(4, 2, 9, 9)
    expected = nn.functional.conv2d(x, layer.weight, layer.bias, stride=2, padding=1)
    np.testing.assert_array_equal(layer(x).detach().numpy(), expected.detach().numpy())
    assert tuple(layer(x).shape) == (4, 3, 5, 5)


@pytest.mark.parametrize("kwargs, error", [
    (dict(in_channels=3, out_channels=4, kernel_size=3, groups=2), "in_channels must be divisible by groups"),
    (dict(in_channels=4, out_channels=3, kernel_size=3, groups=2), "out_channels must be divisible by groups"),
    (dict(in_channels=1, out_channels=1, kernel_size=3, padding="full"), "Invalid padding string 'full'"),
    (dict(in_channels=1, out_channels=1, kernel_size=3, stride=2, padding="same"), "not supported for strided"),
    (dict(in_channels=1, out_channels=1, kernel_size=3, padding_mode="mirror"), "padding_mode must be one of"),
])
def test_conv2d_refuses_bad_settings_as_pytorch(kwargs, error):
    with pytest.raises(ValueError, match=error):
        nn.Conv2d(**kwargs)
    with pytest.raises(ValueError):
        torch.nn.Conv2d(**kwargs)


def test_conv2d_says_which_padding_modes_it_lacks():
    with pytest.raises(NotImplementedError, match="zeros only"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")


def test_batch_norm_checks_the_input_rank():
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(gradstep.ones(4, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(gradstep.ones(4, 3, 2, 2))


# ---- batch norm's running statistics and modes, step by step with PyTorch -----------------------
@pytest.mark.parametrize("momentum", [0.1, 0.5, None], ids=["momentum_0.1", "momentum_0.5", "cumulative_average"])
@pytest.mark.parametrize("make", [lambda nn, m: nn.BatchNorm2d(3, momentum=m),
                                  lambda nn, m: nn.BatchNorm1d(3, momentum=m)], ids=["2d", "1d"])
def test_batch_norm_running_statistics_and_modes_follow_pytorch(momentum, make):
    ours, theirs = make(nn, momentum).double(), make(torch.nn, momentum).double()
    rng = np.random.default_rng(0)
    shape = (8, 3, 4, 4) if isinstance(ours, nn.BatchNorm2d) else (8, 3)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        assert_same_values(ours(gradstep.tensor(x)), theirs(torch.tensor(x)), TOLERANCE["float64"], "training output")
        for key, value in theirs.state_dict().items():
            assert_same_values(ours.state_dict()[key], value, TOLERANCE["float64"], f"{key} after step {step}")
    assert int(ours.num_batches_tracked) == 4
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape)
    before = ours.running_mean.numpy().copy()
    assert_same_values(ours(gradstep.tensor(x)), theirs(torch.tensor(x)), TOLERANCE["float64"], "eval output")
    np.testing.assert_array_equal(ours.running_mean.numpy(), before)  # eval mode leaves the statistics alone
    assert int(ours.num_batches_tracked) == 4


def test_batch_norm_eval_uses_running_statistics_so_one_image_does_not_depend_on_its_batch():
    layer = nn.BatchNorm2d(2)
    for _ in range(20):
        layer(gradstep.randn(16, 2, 3, 3) * 2 + 5)
    layer.eval()
    batch = gradstep.randn(4, 2, 3, 3) * 2 + 5
    alone = layer(batch[:1])
    np.testing.assert_allclose(alone.detach().numpy(), layer(batch)[:1].detach().numpy(), rtol=1e-6)
    assert abs(float(layer.running_mean.mean()) - 5) < 1


def test_batch_norm_without_running_statistics_uses_the_batch_in_eval_mode_too():
    ours, theirs = nn.BatchNorm2d(3, track_running_stats=False), torch.nn.BatchNorm2d(3, track_running_stats=False)
    ours.eval(), theirs.eval()
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 2)).astype(np.float32) * 3
    assert_same_values(ours(gradstep.tensor(x)), theirs(torch.tensor(x)), TOLERANCE["float32"])
    assert ours.running_mean is None and list(ours.state_dict()) == ["weight", "bias"]


def test_reset_running_stats():
    layer = nn.BatchNorm1d(2)
    layer(gradstep.randn(8, 2) + 3)
    layer.reset_running_stats()
    assert layer.running_mean.tolist() == [0, 0] and layer.running_var.tolist() == [1, 1]
    assert int(layer.num_batches_tracked) == 0


# ---- a PyTorch CNN's weights in gradstep -------------------------------------------------------
def test_a_pytorch_cnn_state_dict_loads_and_gives_pytorchs_outputs():
    ours, theirs = twin_models(build_cnn, dtype="float32", seed=3)  # PyTorch's initial weights, loaded
    # Give PyTorch's batch norms non-trivial running statistics first, then load again.
    rng = np.random.default_rng(0)
    theirs.train()
    with torch.no_grad():
        for _ in range(3):
            theirs(torch.tensor(rng.random((32, 1, 28, 28), dtype=np.float32)))
    state = theirs.state_dict()
    assert int(state["1.num_batches_tracked"]) == 3
    ours.load_state_dict({key: gradstep.tensor(value.numpy()) for key, value in state.items()})
    for key, value in ours.state_dict().items():
        assert_same_values(value, state[key], 0.0, key)
    ours.eval(), theirs.eval()
    images = rng.random((16, 1, 28, 28), dtype=np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(images))
    assert_same_values(ours(gradstep.tensor(images)), expected, TOLERANCE["float32"], "log-probabilities")


def test_the_cnn_with_its_running_statistics_survives_save_and_load(tmp_path):
    model = build_cnn(gradstep)
    model(gradstep.rand(16, 1, 28, 28))  # training mode: the batch norms' statistics move
    gradstep.save(model.state_dict(), tmp_path / "cnn.npz")
    copy = build_cnn(gradstep)
    copy.load_state_dict(gradstep.load(tmp_path / "cnn.npz"))
    assert int(copy.state_dict()["1.num_batches_tracked"]) == 1
    assert copy.state_dict()["1.num_batches_tracked"].dtype == gradstep.int64
    model.eval(), copy.eval()
    images = gradstep.rand(4, 1, 28, 28)
    np.testing.assert_array_equal(copy(images).detach().numpy(), model(images).detach().numpy())
