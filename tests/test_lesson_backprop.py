"""The chain rule written by hand gives autograd's gradients, gradstep's and PyTorch's alike."""
import numpy as np
import pytest

import gradstep
from gradstep.lesson.backprop import (
    autograd_gradients, binary_cross_entropy, chain_rule, logistic_regression_gradient, sigmoid, two_layer_gradients,
)

torch = pytest.importorskip("torch")

TOLERANCE = dict(rtol=1e-12, atol=1e-14)


def _problem(seed, samples, inputs, hidden=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(samples, inputs))
    y = rng.integers(0, 2, size=(samples, 1)).astype(np.float64)
    shapes = [(inputs, 1)] if hidden is None else [(inputs, hidden), (hidden, 1)]
    return X, y, [rng.normal(size=shape) for shape in shapes]


@pytest.mark.parametrize("engine", [gradstep, torch], ids=["gradstep", "torch"])
@pytest.mark.parametrize("seed, samples, inputs", [(0, 1, 1), (1, 4, 3), (2, 50, 7)])
def test_logistic_regression_gradient_is_autograds(engine, seed, samples, inputs):
    X, y, (w,) = _problem(seed, samples, inputs)
    (expected,) = autograd_gradients(engine, X, y, [w])
    np.testing.assert_allclose(logistic_regression_gradient(X, y, w), expected, **TOLERANCE)


@pytest.mark.parametrize("engine", [gradstep, torch], ids=["gradstep", "torch"])
@pytest.mark.parametrize("seed, samples, inputs, hidden", [(0, 1, 1, 1), (1, 4, 3, 2), (2, 64, 10, 8)])
def test_two_layer_gradients_are_autograds(engine, seed, samples, inputs, hidden):
    X, y, (hidden_weights, output_weights) = _problem(seed, samples, inputs, hidden)
    expected_hidden, expected_output = autograd_gradients(engine, X, y, [hidden_weights, output_weights])
    grads = two_layer_gradients(X, y, hidden_weights, output_weights)
    np.testing.assert_allclose(grads.hidden_weights, expected_hidden, **TOLERANCE)
    np.testing.assert_allclose(grads.output_weights, expected_output, **TOLERANCE)


def test_the_loss_is_the_mean_over_samples_as_in_bce_loss():
    X, y, (w,) = _problem(3, 20, 4)
    probabilities = sigmoid(X @ w)
    expected = torch.nn.BCELoss()(torch.from_numpy(probabilities), torch.from_numpy(y)).item()
    assert binary_cross_entropy(probabilities, y) == pytest.approx(expected, rel=1e-12)


def test_a_sum_loss_would_give_n_times_the_gradient():
    """The /N in the formulas comes from averaging; repeating every sample leaves the mean unchanged."""
    X, y, (w,) = _problem(4, 6, 3)
    doubled = logistic_regression_gradient(np.vstack([X, X]), np.vstack([y, y]), w)
    np.testing.assert_allclose(doubled, logistic_regression_gradient(X, y, w), **TOLERANCE)


def test_a_bias_is_a_weight_on_a_column_of_ones():
    X, y, (w,) = _problem(5, 10, 3)
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(w[:, 0]))
        model.bias.fill_(0.5)
    torch.nn.BCELoss()(torch.sigmoid(model(torch.from_numpy(X))), torch.from_numpy(y)).backward()
    with_ones = np.hstack([X, np.ones((len(X), 1))])
    gradient = logistic_regression_gradient(with_ones, y, np.vstack([w, [[0.5]]]))
    np.testing.assert_allclose(gradient[:3, 0], model.weight.grad.numpy()[0], **TOLERANCE)
    np.testing.assert_allclose(gradient[3], model.bias.grad.numpy(), **TOLERANCE)


@pytest.mark.parametrize("seed, inputs, hidden", [(0, 3, 2), (1, 1, 1), (2, 5, 4)])
def test_the_chain_rule_for_one_sample_gives_autograds_gradients(seed, inputs, hidden):
    X, y, (hidden_weights, output_weights) = _problem(seed, 1, inputs, hidden)
    steps = chain_rule(X[0], y[0, 0], hidden_weights, output_weights)
    torch_hidden, torch_output = autograd_gradients(torch, X, y, [hidden_weights, output_weights])
    np.testing.assert_allclose(steps.hidden_weights, torch_hidden, **TOLERANCE)
    np.testing.assert_allclose(steps.output_weights, torch_output[:, 0], **TOLERANCE)
    assert steps.loss == pytest.approx(binary_cross_entropy(steps.output, y[0, 0]), rel=1e-12)


def test_each_factor_of_the_chain_is_the_local_derivative_it_names():
    x, label = np.array([0.5, 1.0, -1.5]), 1.0
    hidden_weights, output_weights = np.array([[0.3, -0.6], [0.8, 0.2], [-0.5, 0.4]]), np.array([1.2, -0.7])
    steps = chain_rule(x, label, hidden_weights, output_weights)
    np.testing.assert_allclose(steps.hidden_sums, x @ hidden_weights)
    np.testing.assert_allclose(steps.hidden, sigmoid(steps.hidden_sums))
    assert steps.output == pytest.approx(float(sigmoid(steps.hidden @ output_weights)))
    # Each local derivative against a small nudge of the node it differentiates.
    nudge = 1e-7
    loss = lambda out: -(label * np.log(out) + (1 - label) * np.log(1 - out))  # noqa: E731
    assert steps.loss_by_output == pytest.approx((loss(steps.output + nudge) - loss(steps.output - nudge)) / (2 * nudge))
    assert steps.output_by_sum == pytest.approx(
        float(sigmoid(np.array(steps.output_sum + nudge)) - sigmoid(np.array(steps.output_sum - nudge))) / (2 * nudge))
    assert steps.loss_by_output_sum == pytest.approx(steps.output - label, rel=1e-12)
    np.testing.assert_allclose(steps.loss_by_hidden, steps.loss_by_output_sum * output_weights)
    np.testing.assert_allclose(steps.loss_by_hidden_sums, steps.loss_by_hidden * steps.hidden * (1 - steps.hidden))
    np.testing.assert_allclose(steps.hidden_weights[2, 1], steps.loss_by_hidden_sums[1] * x[2])
