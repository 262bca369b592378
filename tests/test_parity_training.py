"""Training step for step the same as PyTorch: the lesson's networks, every optimizer, every schedule.

Each test trains one network in gradstep and in PyTorch from the same initial weights on
the same batches (see ``parity.py``), and requires the same loss at every step and the
same weights at the end: to 1e-9 relative in float64, 1e-4 in float32.
"""
import numpy as np
import pytest
import torch

import gradstep
from parity import TOLERANCE, assert_same_values, shuffled_batches, train_side_by_side

STEPS = 60


def toy_network(engine):
    """The lesson's first network: 20 features → 13 → 8 → 3 classes."""
    nn = engine.nn
    return nn.Sequential(nn.Linear(20, 13), nn.ReLU(), nn.Linear(13, 8), nn.Sigmoid(), nn.Linear(8, 3))


def fashion_network(engine):
    """The lesson's Fashion-MNIST network: 28×28 images → 128 hidden units → 10 log-probabilities."""
    nn = engine.nn
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 128, bias=False), nn.ReLU(), nn.Linear(128, 10, bias=False), nn.LogSoftmax(dim=1)
    )


def toy_batches(scale, steps=STEPS, batch_size=50):
    """500 samples of 20 features, rand·scale as the lesson draws them, and 3 random classes."""
    rng = np.random.default_rng(0)
    inputs = rng.random((500, 20)) * scale
    targets = rng.integers(0, 3, size=500)
    return shuffled_batches(inputs, targets, batch_size, steps)


def cross_entropy(engine):
    return engine.nn.CrossEntropyLoss()


def sgd(lr, **options):
    return lambda engine, params: engine.optim.SGD(params, lr=lr, **options)


def moved(losses):
    return max(losses) - min(losses)


@pytest.mark.parametrize("scale", [100, 1], ids=["inputs_x100_as_in_the_lesson", "inputs_in_0_1"])
def test_lesson_toy_problem_with_sgd_momentum(scale):
    losses = train_side_by_side(toy_network, sgd(0.01, momentum=0.9), cross_entropy, toy_batches(scale))
    assert moved(losses) > 0.01  # the weights really changed, so the comparison means something


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lesson_fashion_network_with_nll_loss(dtype):
    rng = np.random.default_rng(1)
    # Mostly black, like Fashion-MNIST: uniform [0, 1) pixels everywhere make lr 0.15 chaotic,
    # and chaos would amplify rounding differences until no tolerance holds.
    images = rng.random((640, 1, 28, 28)) * (rng.random((640, 1, 28, 28)) < 0.2)
    labels = (images.reshape(640, 784) @ rng.standard_normal((784, 10))).argmax(axis=1)  # learnable classes
    batches = shuffled_batches(images, labels, batch_size=128, steps=STEPS)
    losses = train_side_by_side(
        fashion_network, sgd(0.15, momentum=0.8), lambda engine: engine.nn.NLLLoss(), batches, dtype=dtype
    )
    assert losses[-1] < losses[0] / 2


OPTIMIZERS = {
    "sgd_plain": sgd(0.1),
    "sgd_momentum": sgd(0.1, momentum=0.9),
    "sgd_dampening": sgd(0.1, momentum=0.9, dampening=0.5),
    "sgd_nesterov": sgd(0.1, momentum=0.9, nesterov=True),
    "sgd_weight_decay": sgd(0.1, momentum=0.9, weight_decay=0.01),
    "sgd_maximize": lambda engine, params: engine.optim.SGD(params, lr=0.01, momentum=0.5, maximize=True),
    "adam": lambda engine, params: engine.optim.Adam(params, lr=0.01),
    "adam_betas_eps": lambda engine, params: engine.optim.Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    "adam_amsgrad": lambda engine, params: engine.optim.Adam(params, lr=0.01, amsgrad=True),
    "adam_weight_decay": lambda engine, params: engine.optim.Adam(params, lr=0.01, weight_decay=0.1),
    "adamw": lambda engine, params: engine.optim.AdamW(params, lr=0.01),
    "adamw_amsgrad": lambda engine, params: engine.optim.AdamW(params, lr=0.01, weight_decay=0.1, amsgrad=True),
    "rmsprop": lambda engine, params: engine.optim.RMSprop(params, lr=0.01),
    "rmsprop_momentum_weight_decay": lambda engine, params: engine.optim.RMSprop(params, lr=0.01, momentum=0.9, weight_decay=0.1),
    "rmsprop_centered": lambda engine, params: engine.optim.RMSprop(params, lr=0.01, alpha=0.9, centered=True, momentum=0.5),
    "rmsprop_maximize": lambda engine, params: engine.optim.RMSprop(params, lr=0.001, maximize=True),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_every_optimizer_takes_the_same_steps(make_optimizer, dtype):
    losses = train_side_by_side(toy_network, make_optimizer, cross_entropy, toy_batches(scale=1), dtype=dtype)
    assert moved(losses) > 0.01


def test_optimizer_with_parameter_groups_of_their_own_settings():
    def two_groups(engine, params):
        first, *rest = list(params)
        return engine.optim.SGD([{"params": [first], "lr": 0.5}, {"params": rest}], lr=0.05, momentum=0.9)

    train_side_by_side(toy_network, two_groups, cross_entropy, toy_batches(scale=1))


SCHEDULERS = {
    "step": lambda engine, opt: engine.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5),
    "multistep": lambda engine, opt: engine.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 7, 7, 20], gamma=0.3),
    "cosine": lambda engine, opt: engine.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10),
    "cosine_eta_min": lambda engine, opt: engine.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
}


def lr_sequence(engine, make_scheduler, epochs=30):
    weight = engine.zeros(3, requires_grad=True)
    optimizer = engine.optim.SGD([{"params": [weight]}, {"params": [engine.zeros(1, requires_grad=True)], "lr": 0.3}], lr=0.1)
    scheduler = make_scheduler(engine, optimizer)
    sequence = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        sequence.append(scheduler.get_last_lr())
        assert sequence[-1] == [group["lr"] for group in optimizer.param_groups]
    return sequence


@pytest.mark.parametrize("make_scheduler", SCHEDULERS.values(), ids=SCHEDULERS.keys())
def test_scheduler_gives_the_same_learning_rates(make_scheduler):
    ours, theirs = lr_sequence(gradstep, make_scheduler), lr_sequence(torch, make_scheduler)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


@pytest.mark.parametrize("make_scheduler", SCHEDULERS.values(), ids=SCHEDULERS.keys())
def test_training_with_a_scheduler(make_scheduler):
    losses = train_side_by_side(
        toy_network, sgd(0.1, momentum=0.9), cross_entropy, toy_batches(scale=1, batch_size=100),
        make_scheduler=make_scheduler, steps_per_epoch=5,
    )
    assert moved(losses) > 0.01


def test_the_harness_notices_a_difference_beyond_tolerance():
    with pytest.raises(AssertionError):
        assert_same_values([1.0, 2.0], [1.0, 2.0 + 1e-6], TOLERANCE["float64"])
