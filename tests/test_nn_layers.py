"""Layers and initialisation: shapes, values against PyTorch, and the spread of random weights.

Random draws differ from PyTorch's (another generator), so initialisation and dropout
are checked statistically, on tensors big enough that the tolerances are many standard
errors wide.
"""
import math

import numpy as np
import pytest
import torch

import gradstep
from gradstep import nn
from parity import TOLERANCE, assert_same_values

RTOL = TOLERANCE["float64"]


# ---- Linear -------------------------------------------------------------------------------
def test_linear_weight_is_out_by_in_and_computes_x_wt_plus_b():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    x = gradstep.rand(4, 5)
    expected = x.numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-6)
    assert nn.Linear(5, 3, bias=False).bias is None


def test_linear_matches_pytorch_on_batched_inputs_of_any_rank():
    theirs = torch.nn.Linear(6, 2).double()
    ours = nn.Linear(6, 2).double()
    ours.load_state_dict({k: gradstep.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 4, 6))
    assert_same_values(ours(gradstep.tensor(x)), theirs(torch.tensor(x)), RTOL)


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    gradstep.manual_seed(0)
    fan_in = 400
    layer = nn.Linear(fan_in, 1000)
    bound = 1 / math.sqrt(fan_in)
    for values in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.abs(values).max() <= bound
    weights = layer.weight.detach().numpy()
    # uniform(−b, b) has standard deviation b/√3 = 1/√(3·fan_in); 400 000 draws pin it to ~0.2 %
    assert weights.std() == pytest.approx(1 / math.sqrt(3 * fan_in), rel=0.01)
    assert abs(weights.mean()) < 0.01 * bound
    assert np.abs(weights).max() > 0.99 * bound  # the whole range is used
    assert layer.bias.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.1)


def test_linear_init_is_reproducible_under_manual_seed():
    gradstep.manual_seed(7)
    first = nn.Linear(3, 2).weight.detach().numpy()
    gradstep.manual_seed(7)
    assert np.array_equal(first, nn.Linear(3, 2).weight.detach().numpy())


# ---- nn.init ------------------------------------------------------------------------------
SHAPE = (500, 800)  # fan_out 500, fan_in 800
FAN_IN, FAN_OUT = 800, 500


def spread_of(init, *args, **kwargs):
    gradstep.manual_seed(0)
    return init(gradstep.empty(*SHAPE), *args, **kwargs).numpy()


UNIFORM_BOUNDS = {
    "kaiming_uniform_relu": (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(6 / FAN_IN)),
    "kaiming_uniform_fan_out": (lambda t: nn.init.kaiming_uniform_(t, mode="fan_out"), math.sqrt(6 / FAN_OUT)),
    "kaiming_uniform_linear_a": (lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(FAN_IN)),
    "xavier_uniform": (nn.init.xavier_uniform_, math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "xavier_uniform_gain": (lambda t: nn.init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "uniform": (lambda t: nn.init.uniform_(t, -0.3, 0.3), 0.3),
}


@pytest.mark.parametrize("init, bound", UNIFORM_BOUNDS.values(), ids=UNIFORM_BOUNDS.keys())
def test_uniform_inits_fill_plus_minus_their_bound(init, bound):
    values = spread_of(init)
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.999 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


NORMAL_STDS = {
    "kaiming_normal_relu": (lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2 / FAN_IN)),
    "kaiming_normal_fan_out": (lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / FAN_OUT)),
    "xavier_normal": (nn.init.xavier_normal_, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "normal": (lambda t: nn.init.normal_(t, 0.0, 0.02), 0.02),
}


@pytest.mark.parametrize("init, std", NORMAL_STDS.values(), ids=NORMAL_STDS.keys())
def test_normal_inits_have_their_standard_deviation(init, std):
    values = spread_of(init)
    assert values.std() == pytest.approx(std, rel=0.01)
    assert abs(values.mean()) < 0.01 * std


def test_constant_inits():
    assert (nn.init.zeros_(gradstep.ones(3)) == 0).all().item()
    assert (nn.init.ones_(gradstep.zeros(3)) == 1).all().item()
    assert (nn.init.constant_(gradstep.zeros(3), 0.5) == 0.5).all().item()


@pytest.mark.parametrize(
    "nonlinearity, param",
    [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)],
)
def test_calculate_gain_is_pytorchs(nonlinearity, param):
    assert nn.init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_init_keeps_the_parameter_a_leaf_outside_the_graph():
    layer = nn.Linear(3, 3)
    nn.init.xavier_uniform_(layer.weight)
    assert layer.weight.is_leaf and layer.weight.grad_fn is None and layer.weight.requires_grad


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.kaiming_uniform_(gradstep.zeros(5))


# ---- Dropout ------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest(p):
    gradstep.manual_seed(0)
    x = gradstep.ones(200_000, requires_grad=True)
    out = nn.Dropout(p)(x)
    values = out.detach().numpy()
    assert (values == 0).mean() == pytest.approx(p, abs=0.005)
    assert np.allclose(values[values != 0], 1 / (1 - p))
    out.sum().backward()
    assert np.array_equal(x.grad.numpy(), values)  # the same mask and scale on the way back


def test_dropout_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.5).eval()
    x = gradstep.rand(10, 10)
    assert gradstep.equal(layer(x), x)


def test_dropout_edge_probabilities_and_repr():
    x = gradstep.rand(100)
    assert gradstep.equal(nn.Dropout(0.0)(x), x)
    assert not nn.Dropout(1.0)(x).any().item()
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_a_models_dropout_follows_train_and_eval():
    model = nn.Sequential(nn.Linear(50, 50), nn.Dropout(0.5))
    x = gradstep.rand(20, 50)
    assert not gradstep.equal(model(x), model(x))  # fresh masks in training
    model.eval()
    assert gradstep.equal(model(x), model(x))


# ---- Flatten, activations, Identity -------------------------------------------------------
@pytest.mark.parametrize("start_dim, end_dim", [(1, -1), (0, -1), (1, 2), (2, 3), (-2, -1)])
def test_flatten_matches_pytorch(start_dim, end_dim):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    ours, theirs = nn.Flatten(start_dim, end_dim), torch.nn.Flatten(start_dim, end_dim)
    assert_same_values(ours(gradstep.tensor(x)), theirs(torch.tensor(x)), 0)
    assert repr(ours) == repr(theirs)


def test_flatten_turns_images_into_rows():
    assert nn.Flatten()(gradstep.zeros(32, 1, 28, 28)).shape == (32, 784)


def test_flatten_refuses_a_start_after_its_end_as_pytorch_does():
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        torch.flatten(torch.zeros(2, 3, 4), 2, 1)
    with pytest.raises(RuntimeError, match=r"start_dim \(2\) cannot come after end_dim \(1\)"):
        gradstep.flatten(gradstep.zeros(2, 3, 4), 2, 1)


ACTIVATIONS = {
    "relu": lambda engine: engine.nn.ReLU(),
    "sigmoid": lambda engine: engine.nn.Sigmoid(),
    "tanh": lambda engine: engine.nn.Tanh(),
    "softmax_dim1": lambda engine: engine.nn.Softmax(dim=1),
    "softmax_dim0": lambda engine: engine.nn.Softmax(dim=0),
    "log_softmax_dim1": lambda engine: engine.nn.LogSoftmax(dim=1),
    "log_softmax_last": lambda engine: engine.nn.LogSoftmax(dim=-1),
    "identity": lambda engine: engine.nn.Identity(54, unused="arguments"),
}


@pytest.mark.parametrize("make_layer", ACTIVATIONS.values(), ids=ACTIVATIONS.keys())
def test_activation_layers_match_pytorch_with_gradients(make_layer):
    x = np.random.default_rng(0).standard_normal((4, 6)) * 10
    upstream = np.random.default_rng(1).standard_normal((4, 6))
    results = []
    for engine in (gradstep, torch):
        inputs = engine.tensor(x, requires_grad=True)
        out = make_layer(engine)(inputs)
        out.backward(engine.tensor(upstream))
        results.append((out, inputs.grad))
    (ours, our_grad), (theirs, their_grad) = results
    assert_same_values(ours, theirs, RTOL)
    assert_same_values(our_grad, their_grad, RTOL)
    assert repr(make_layer(gradstep)) == repr(make_layer(torch))


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5), (2, 3, 4, 5)])
def test_softmax_without_dim_picks_pytorchs_legacy_dim(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    for layer in ("Softmax", "LogSoftmax"):
        ours = getattr(nn, layer)()(gradstep.tensor(x))
        theirs = getattr(torch.nn, layer)()(torch.tensor(x))
        assert_same_values(ours, theirs, RTOL)


def test_softmax_rows_are_probabilities():
    probs = nn.Softmax(dim=1)(gradstep.randn(8, 10) * 30).numpy()
    assert np.allclose(probs.sum(axis=1), 1) and (probs >= 0).all()


def test_relu_inplace_is_accepted_and_shown():
    # gradstep always returns a new tensor; the flag is kept so PyTorch code and reprs carry over.
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
