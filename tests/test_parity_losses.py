"""Every loss, value and gradient, against PyTorch in float64.

Each case builds the loss module in both engines from the same options, evaluates it on
the same inputs and targets, backpropagates the same upstream gradient and compares the
loss and the gradient of the input.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gradstep
from parity import TOLERANCE, assert_same_values

RTOL = TOLERANCE["float64"]
REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def check_loss(make_loss, inputs, targets, seed=0, dtype="float64"):
    """``make_loss(engine)`` on the same inputs in both engines: same loss, same input gradient."""
    if targets.dtype.kind == "f":
        targets = targets.astype(dtype)
    results = {}
    for engine in (gradstep, torch):
        x = engine.tensor(inputs.astype(dtype), requires_grad=True)
        loss = make_loss(engine)(x, engine.tensor(targets))
        upstream = np.random.default_rng(seed).standard_normal(tuple(loss.shape)).astype(dtype)
        loss.backward(engine.tensor(upstream))
        results[engine] = loss, x.grad
    (our_loss, our_grad), (their_loss, their_grad) = results[gradstep], results[torch]
    assert our_loss.dtype.name == dtype
    assert_same_values(our_loss, their_loss, TOLERANCE[dtype], "loss")
    assert_same_values(our_grad, their_grad, TOLERANCE[dtype], "gradient")


def class_weights(engine, count):
    return engine.tensor(np.linspace(0.5, 2.0, count))


# ---- regression and binary losses ---------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    check_loss(lambda engine: engine.nn.MSELoss(reduction=reduction), rng.standard_normal((6, 3)), rng.standard_normal((6, 3)))


def probabilities(shape):
    """Probabilities including exactly 0 and 1, where BCE clamps its logs at −100."""
    values = rng.random(shape)
    values.flat[:2] = [0.0, 1.0]
    return values


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(reduction, weighted):
    def make_loss(engine):
        return engine.nn.BCELoss(weight=class_weights(engine, 4) if weighted else None, reduction=reduction)

    check_loss(make_loss, probabilities((5, 4)), rng.random((5, 4)).round())


def test_bce_loss_with_soft_targets():
    check_loss(lambda engine: engine.nn.BCELoss(), rng.uniform(0.05, 0.95, (8,)), rng.random(8))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_loss(reduction, weighted, pos_weighted):
    def make_loss(engine):
        return engine.nn.BCEWithLogitsLoss(
            weight=class_weights(engine, 4) if weighted else None,
            pos_weight=engine.tensor([3.0, 0.5, 1.0, 2.0]) if pos_weighted else None,
            reduction=reduction,
        )

    logits = rng.standard_normal((5, 4)) * 5
    logits.flat[:2] = [-200.0, 200.0]  # far beyond where a naive sigmoid then log overflows
    check_loss(make_loss, logits, rng.random((5, 4)).round())


# ---- class-index losses ---------------------------------------------------------------------
def class_targets(shape, classes, ignored=0, ignore_index=-100):
    targets = rng.integers(0, classes, size=shape)
    targets.flat[:ignored] = ignore_index
    return targets


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(7, 5), (4, 5, 3)], ids=["N_C", "N_C_d"])
def test_cross_entropy_with_class_indices(reduction, weighted, ignore_index, label_smoothing, shape):
    def make_loss(engine):
        return engine.nn.CrossEntropyLoss(
            weight=class_weights(engine, 5) if weighted else None,
            ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing,
        )

    target_shape = (shape[0], *shape[2:])
    check_loss(make_loss, rng.standard_normal(shape) * 3, class_targets(target_shape, 5, ignored=2, ignore_index=ignore_index))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2)], ids=["N_C", "N_C_d1_d2"])
def test_cross_entropy_with_class_probabilities(reduction, weighted, label_smoothing, shape):
    def make_loss(engine):
        return engine.nn.CrossEntropyLoss(
            weight=class_weights(engine, 4) if weighted else None, reduction=reduction, label_smoothing=label_smoothing
        )

    probs = rng.random(shape)
    check_loss(make_loss, rng.standard_normal(shape), probs / probs.sum(axis=1, keepdims=True))


def test_cross_entropy_of_one_unbatched_sample():
    check_loss(lambda engine: engine.nn.CrossEntropyLoss(), rng.standard_normal(6), np.array(4))


def test_cross_entropy_with_huge_logits_stays_finite():
    check_loss(lambda engine: engine.nn.CrossEntropyLoss(), np.array([[1000.0, -1000.0, 0.0], [0.0, 800.0, 900.0]]), np.array([1, 2]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 0])
@pytest.mark.parametrize("shape", [(9, 4), (3, 4, 5)], ids=["N_C", "N_C_d"])
def test_nll_loss(reduction, weighted, ignore_index, shape):
    def make_loss(engine):
        return engine.nn.NLLLoss(weight=class_weights(engine, 4) if weighted else None, ignore_index=ignore_index, reduction=reduction)

    log_probs = torch.log_softmax(torch.tensor(rng.standard_normal(shape)), dim=1).numpy()
    target_shape = (shape[0], *shape[2:])
    check_loss(make_loss, log_probs, class_targets(target_shape, 4, ignored=3, ignore_index=ignore_index))


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")  # NumPy's 0/0
def test_mean_over_only_ignored_targets_is_nan_as_in_pytorch():
    for engine in (gradstep, torch):
        loss = engine.nn.CrossEntropyLoss()(engine.zeros(2, 3), engine.tensor([-100, -100]))
        assert loss.isnan().item() if engine is torch else np.isnan(loss.item())


@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 6), classes=st.integers(1, 5), extra=st.sampled_from([(), (2,), (1, 3)]),
    weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.1, 1.0]), reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 2**32 - 1),
)
def test_cross_entropy_over_random_shapes_and_options(batch, classes, extra, weighted, smoothing, reduction, seed):
    draw = np.random.default_rng(seed)

    def make_loss(engine):
        weight = engine.tensor(draw_weight) if weighted else None
        return engine.nn.CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=smoothing)

    draw_weight = draw.uniform(0.1, 3.0, classes)
    logits = draw.standard_normal((batch, classes, *extra)) * 4
    check_loss(make_loss, logits, draw.integers(0, classes, size=(batch, *extra)), seed)


def test_functional_losses_match_the_modules():
    logits, targets = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    for engine in (gradstep, torch):
        x, y = engine.tensor(logits), engine.tensor(targets)
        assert engine.nn.functional.cross_entropy(x, y).item() == engine.nn.CrossEntropyLoss()(x, y).item()
        assert engine.nn.functional.nll_loss(x.log_softmax(1), y).item() == engine.nn.NLLLoss()(x.log_softmax(1), y).item()
    ours = gradstep.nn.functional.cross_entropy(gradstep.tensor(logits), gradstep.tensor(targets), label_smoothing=0.1)
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(targets), label_smoothing=0.1)
    assert_same_values(ours, theirs, RTOL)


def test_loss_weights_are_buffers_in_the_state_dict():
    for engine in (gradstep, torch):
        loss = engine.nn.CrossEntropyLoss(weight=engine.ones(3))
        assert list(loss.state_dict()) == ["weight"]
        assert list(loss.parameters()) == []


FLOAT32_CASES = {
    "mse": (lambda engine: engine.nn.MSELoss(), rng.standard_normal((6, 3)), rng.standard_normal((6, 3))),
    "bce": (lambda engine: engine.nn.BCELoss(), rng.uniform(0.01, 0.99, (6, 3)), rng.random((6, 3)).round()),
    "bce_with_logits": (
        lambda engine: engine.nn.BCEWithLogitsLoss(pos_weight=engine.tensor([2.0, 1.0, 0.5])),
        rng.standard_normal((6, 3)) * 5, rng.random((6, 3)).round(),
    ),
    "cross_entropy": (
        lambda engine: engine.nn.CrossEntropyLoss(label_smoothing=0.1), rng.standard_normal((6, 4)) * 5, rng.integers(0, 4, 6)
    ),
    "nll": (lambda engine: engine.nn.NLLLoss(reduction="sum"), -rng.random((6, 4)) * 3, rng.integers(0, 4, 6)),
}


@pytest.mark.parametrize("make_loss, inputs, targets", FLOAT32_CASES.values(), ids=FLOAT32_CASES.keys())
def test_losses_in_float32(make_loss, inputs, targets):
    check_loss(make_loss, inputs, targets, dtype="float32")
