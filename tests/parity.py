"""Train the same network in gradstep and in PyTorch, side by side, and compare every step.

A test writes its network, optimizer and loss once, as functions of the engine module
(``gradstep`` or ``torch``). ``train_side_by_side`` builds both, copies PyTorch's
initial weights into gradstep through ``state_dict`` / ``load_state_dict``, feeds both
the same batches, and checks the loss after every step and the weights at the end.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch

import gradstep

# These networks are tiny: a second PyTorch thread only waits for the first, and on a busy
# machine that waiting costs more than the arithmetic.
torch.set_num_threads(1)

# Relative tolerance per dtype: float64 runs agree to rounding, float32 ones to ~1e-4.
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}

Batch = tuple[np.ndarray, np.ndarray]


def as_numpy(values: Any) -> np.ndarray:
    """A gradstep or PyTorch tensor (or a list of numbers) as a NumPy array."""
    return values.detach().numpy() if hasattr(values, "detach") else np.asarray(values)


def assert_same_values(ours: Any, theirs: Any, rtol: float, what: str = "values") -> None:
    """Equal up to ``rtol`` relative to the size of the reference tensor (so entries near 0 don't fail on noise)."""
    ours, theirs = as_numpy(ours), as_numpy(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs PyTorch's {theirs.shape}"
    scale = float(np.max(np.abs(theirs))) if theirs.size else 0.0
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale, err_msg=what)


def twin_models(build: Callable[[Any], Any], dtype: str = "float64", seed: int = 0) -> tuple[Any, Any]:
    """The network built by ``build(engine)`` in gradstep and in PyTorch, with PyTorch's initial weights in both."""
    torch.manual_seed(seed)
    theirs, ours = build(torch), build(gradstep)
    if dtype == "float64":
        theirs, ours = theirs.double(), ours.double()
    ours.load_state_dict({key: gradstep.tensor(value.numpy()) for key, value in theirs.state_dict().items()})
    return ours, theirs


def engine_batch(engine: Any, batch: Batch, dtype: str) -> tuple[Any, Any]:
    inputs, targets = batch
    if inputs.dtype.kind == "f":
        inputs = inputs.astype(dtype)
    if targets.dtype.kind == "f":
        targets = targets.astype(dtype)
    return engine.tensor(inputs), engine.tensor(targets)


def train(
    engine: Any,
    model: Any,
    make_optimizer: Callable[[Any, Any], Any],
    make_loss: Callable[[Any], Any],
    batches: Sequence[Batch],
    dtype: str,
    make_scheduler: Callable[[Any, Any], Any] | None = None,
    steps_per_epoch: int | None = None,
) -> tuple[list[float], list[float]]:
    """The usual loop: forward, loss, zero_grad, backward, step; the scheduler steps once per epoch.

    Returns the loss of every step and the learning rate used at every step.
    """
    optimizer = make_optimizer(engine, model.parameters())
    scheduler = make_scheduler(engine, optimizer) if make_scheduler else None
    criterion = make_loss(engine)
    losses, lrs = [], []
    for step, batch in enumerate(batches, start=1):
        inputs, targets = engine_batch(engine, batch, dtype)
        loss = criterion(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        losses.append(loss.item())
        if scheduler and step % steps_per_epoch == 0:
            scheduler.step()
    return losses, lrs


def train_side_by_side(
    build: Callable[[Any], Any],
    make_optimizer: Callable[[Any, Any], Any],
    make_loss: Callable[[Any], Any],
    batches: Sequence[Batch],
    dtype: str = "float64",
    make_scheduler: Callable[[Any, Any], Any] | None = None,
    steps_per_epoch: int | None = None,
    seed: int = 0,
) -> list[float]:
    """Train in both engines and assert the same loss at every step and the same weights at the end.

    Returns PyTorch's losses, for the test to check that training did something.
    """
    rtol = TOLERANCE[dtype]
    ours, theirs = twin_models(build, dtype, seed)
    run = dict(make_optimizer=make_optimizer, make_loss=make_loss, batches=batches, dtype=dtype,
               make_scheduler=make_scheduler, steps_per_epoch=steps_per_epoch)
    our_losses, our_lrs = train(gradstep, ours, **run)
    their_losses, their_lrs = train(torch, theirs, **run)
    assert our_lrs == their_lrs, "learning rates differ"
    assert_same_values(our_losses, their_losses, rtol, "loss at each step")
    their_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(their_state)
    for key, value in ours.state_dict().items():
        assert value.dtype.name == dtype or not value.dtype.is_floating_point  # counters stay int64
        assert_same_values(value, their_state[key], rtol, f"final {key}")
    return their_losses


def shuffled_batches(inputs: np.ndarray, targets: np.ndarray, batch_size: int, steps: int, seed: int = 0) -> list[Batch]:
    """``steps`` mini-batches, in a fresh random order each epoch (as a shuffling DataLoader gives)."""
    rng = np.random.default_rng(seed)
    batches: list[Batch] = []
    while len(batches) < steps:
        order = rng.permutation(len(inputs))
        for start in range(0, len(order), batch_size):
            picked = order[start : start + batch_size]
            batches.append((inputs[picked], targets[picked]))
    return batches[:steps]
