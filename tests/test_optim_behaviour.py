"""Optimizers and schedulers beyond the arithmetic: state, resuming, parameter groups, bad settings.

The arithmetic itself is compared with PyTorch step for step in ``test_parity_training.py``.
"""
import numpy as np
import pytest
import torch

import gradstep
from gradstep import nn, optim
from gradstep.optim import lr_scheduler

_data = gradstep.Generator().manual_seed(0)
INPUTS, TARGETS = gradstep.rand(40, 4, generator=_data), gradstep.randint(0, 3, (40,), generator=_data)


def model():
    gradstep.manual_seed(1)
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))


def train(net, optimizer, steps, scheduler=None):
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(INPUTS), TARGETS).backward()
        optimizer.step()
        if scheduler:
            scheduler.step()


MAKERS = {
    "sgd_momentum": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    "adam_amsgrad": lambda params: optim.Adam(params, lr=0.01, amsgrad=True),
    "adamw": lambda params: optim.AdamW(params, lr=0.01),
    "rmsprop_centered_momentum": lambda params: optim.RMSprop(params, lr=0.01, centered=True, momentum=0.9),
}


@pytest.mark.parametrize("make_optimizer", MAKERS.values(), ids=MAKERS.keys())
def test_resuming_from_state_dicts_continues_exactly(make_optimizer):
    uninterrupted = model()
    optimizer = make_optimizer(uninterrupted.parameters())
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=8)
    train(uninterrupted, optimizer, 12, scheduler)

    first_half = model()
    optimizer = make_optimizer(first_half.parameters())
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=8)
    train(first_half, optimizer, 5, scheduler)
    weights = {key: value.clone() for key, value in first_half.state_dict().items()}  # they share memory, as in PyTorch
    saved = weights, optimizer.state_dict(), scheduler.state_dict()
    train(first_half, optimizer, 3, scheduler)  # the saved state must not follow these steps

    resumed = model()
    optimizer = make_optimizer(resumed.parameters())
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=8)
    resumed.load_state_dict(saved[0])
    optimizer.load_state_dict(saved[1])
    scheduler.load_state_dict(saved[2])
    train(resumed, optimizer, 7, scheduler)

    for ours, reference in zip(resumed.parameters(), uninterrupted.parameters()):
        assert gradstep.equal(ours, reference)


def state_layout(engine, make_optimizer):
    weight = engine.zeros(3, requires_grad=True)
    optimizer = make_optimizer(engine, [weight])
    for _ in range(2):
        weight.grad = engine.ones(3)
        optimizer.step()
    saved = optimizer.state_dict()
    return {i: sorted(state) for i, state in saved["state"].items()}, set(saved["param_groups"][0])


LAYOUTS = {
    "sgd": lambda engine, params: engine.optim.SGD(params, lr=0.1),
    "sgd_momentum": lambda engine, params: engine.optim.SGD(params, lr=0.1, momentum=0.9),
    "adam": lambda engine, params: engine.optim.Adam(params),
    "adam_amsgrad": lambda engine, params: engine.optim.Adam(params, amsgrad=True),
    "adamw": lambda engine, params: engine.optim.AdamW(params),
    "rmsprop": lambda engine, params: engine.optim.RMSprop(params),
    "rmsprop_centered_momentum": lambda engine, params: engine.optim.RMSprop(params, centered=True, momentum=0.9),
}


@pytest.mark.parametrize("make_optimizer", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_state_dict_has_pytorchs_layout(make_optimizer):
    (our_state, our_group), (their_state, their_group) = state_layout(gradstep, make_optimizer), state_layout(torch, make_optimizer)
    assert our_state == their_state
    # PyTorch also stores switches for its fast kernels (foreach, fused, ...), which gradstep has no use for.
    assert our_group <= their_group and their_group - our_group <= {"foreach", "fused", "differentiable", "capturable"}


def test_state_dict_is_a_snapshot():
    weight = gradstep.zeros(2, requires_grad=True)
    optimizer = optim.SGD([weight], lr=0.1, momentum=0.9)
    weight.grad = gradstep.ones(2)
    optimizer.step()
    saved = optimizer.state_dict()
    optimizer.step()
    assert saved["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_parameter_groups_keep_their_own_settings_and_inherit_the_rest():
    first, second = gradstep.zeros(1, requires_grad=True), gradstep.zeros(1, requires_grad=True)
    optimizer = optim.SGD([{"params": [first], "lr": 1.0}, {"params": second}], lr=0.1, momentum=0.5)
    assert [group["lr"] for group in optimizer.param_groups] == [1.0, 0.1]
    assert [group["momentum"] for group in optimizer.param_groups] == [0.5, 0.5]
    first.grad, second.grad = gradstep.ones(1), gradstep.ones(1)
    optimizer.step()
    assert (first.item(), second.item()) == (-1.0, pytest.approx(-0.1))


def test_parameters_without_gradients_are_left_alone():
    frozen, trained = gradstep.ones(2, requires_grad=True), gradstep.ones(2, requires_grad=True)
    optimizer = optim.Adam([frozen, trained], lr=0.1)
    trained.grad = gradstep.ones(2)
    optimizer.step()
    assert frozen.tolist() == [1.0, 1.0] and trained.tolist() != [1.0, 1.0]
    assert frozen not in optimizer.state


def test_zero_grad_forgets_or_zeroes_the_gradients():
    weight = gradstep.ones(2, requires_grad=True)
    optimizer = optim.SGD([weight], lr=0.1)
    (weight * 3).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert weight.grad.tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert weight.grad is None


def test_sgd_momentum_takes_the_lessons_textbook_steps_while_lr_is_constant():
    """The docstring's claim: v ← γv − η∇L, w ← w + v gives the same weights as PyTorch's form."""
    lr, momentum, curvature = 0.1, 0.9, np.array([1.0, 5.0])
    weight = gradstep.tensor([2.0, -1.0], dtype=gradstep.float64, requires_grad=True)
    optimizer = optim.SGD([weight], lr=lr, momentum=momentum)
    textbook_w, velocity = np.array([2.0, -1.0]), np.zeros(2)
    for _ in range(20):
        optimizer.zero_grad()
        (gradstep.tensor(curvature) * weight**2).sum().backward()
        optimizer.step()
        velocity = momentum * velocity - lr * 2 * curvature * textbook_w
        textbook_w = textbook_w + velocity
        np.testing.assert_allclose(weight.detach().numpy(), textbook_w, rtol=1e-12, atol=1e-15)


BAD_SETTINGS = {
    "negative_lr": lambda engine, params: engine.optim.SGD(params, lr=-0.1),
    "negative_momentum": lambda engine, params: engine.optim.SGD(params, lr=0.1, momentum=-0.5),
    "nesterov_without_momentum": lambda engine, params: engine.optim.SGD(params, lr=0.1, nesterov=True),
    "nesterov_with_dampening": lambda engine, params: engine.optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    "negative_weight_decay": lambda engine, params: engine.optim.SGD(params, lr=0.1, weight_decay=-1),
    "adam_beta_of_1": lambda engine, params: engine.optim.Adam(params, betas=(0.9, 1.0)),
    "adam_negative_eps": lambda engine, params: engine.optim.Adam(params, eps=-1e-8),
    "adamw_negative_lr": lambda engine, params: engine.optim.AdamW(params, lr=-1),
    "rmsprop_negative_alpha": lambda engine, params: engine.optim.RMSprop(params, alpha=-0.9),
    "rmsprop_negative_momentum": lambda engine, params: engine.optim.RMSprop(params, momentum=-0.9),
    "no_parameters": lambda engine, params: engine.optim.SGD([], lr=0.1),
    "a_parameter_twice": lambda engine, params: engine.optim.SGD([{"params": params}, {"params": params}], lr=0.1),
}


@pytest.mark.parametrize("make_optimizer", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_settings_raise_value_error_as_in_pytorch(make_optimizer):
    for engine in (gradstep, torch):
        with pytest.raises(ValueError):
            make_optimizer(engine, [engine.zeros(2, requires_grad=True)])


def test_params_must_be_an_iterable_of_leaf_tensors():
    weight = gradstep.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(weight, lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        optim.SGD([weight, 1.0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([weight * 2], lr=0.1)


def test_scheduler_state_dict_resumes_the_schedule():
    def sequence(resume_at=None):
        optimizer = optim.SGD([gradstep.zeros(1, requires_grad=True)], lr=1.0)
        scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[2, 5, 9], gamma=0.5)
        lrs = []
        for epoch in range(12):
            if epoch == resume_at:
                saved = scheduler.state_dict()
                optimizer = optim.SGD([gradstep.zeros(1, requires_grad=True)], lr=scheduler.get_last_lr()[0])
                scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[2, 5, 9], gamma=0.5)
                scheduler.load_state_dict(saved)
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        return lrs

    assert sequence(resume_at=6) == sequence()


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.StepLR([gradstep.zeros(1)], step_size=2)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_steps_count_as_in_place_changes_as_in_pytorch(nesterov):
    """A graph that saved a weight before the step refuses backward after it; the versions match PyTorch's."""
    versions, errors = [], []
    for engine in (gradstep, torch):
        w = engine.tensor([1.0, -2.0], requires_grad=True)
        optimizer = engine.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=nesterov, weight_decay=0.01)
        for _ in range(2):
            optimizer.zero_grad()
            (w * w).sum().backward()
            optimizer.step()
        stale = (w * w).sum()
        (w * 3).sum().backward()
        optimizer.step()
        with pytest.raises(RuntimeError) as error:
            stale.backward()
        errors.append("modified by an inplace operation" in str(error.value))
        versions.append((w._version, optimizer.state[w]["momentum_buffer"]._version))
    assert versions[0] == versions[1] and errors == [True, True]
