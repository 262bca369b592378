"""The training loop: the same code trains gradstep and PyTorch models."""
from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from types import ModuleType
from typing import Any

import numpy as np

from gradstep.train.checkpoint import EpochTotals, TrainingCheckpoint
from gradstep.train.engines import engine_of
from gradstep.train.evaluation import evaluate
from gradstep.train.history import EpochRecord, History
from gradstep.train.progress import EpochProgress, progress_class


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite: the weights have blown up and training cannot recover."""

    def __init__(self, epoch: int, step: int, loss: float) -> None:
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: the loss became {loss}. "
            "The updates overshoot; try a smaller learning rate (a tenth, for example)."
        )
        self.epoch, self.step, self.loss = epoch, step, loss


class Callback:
    """Hooks that :func:`fit` calls; subclass and override the ones you need.

    Epochs and steps count from 1, as in the printed lines.

    Example:
        >>> class StopWhenGoodEnough(Callback):
        ...     def on_epoch_end(self, epoch, history):
        ...         if history[-1].val_accuracy > 0.85:
        ...             raise KeyboardInterrupt  # fit saves a checkpoint, then re-raises
    """

    def on_batch_end(self, epoch: int, step: int, loss: float) -> None:
        """After the weights were updated with batch number ``step`` of ``epoch``."""

    def on_epoch_end(self, epoch: int, history: History) -> None:
        """After ``epoch`` was trained, validated, recorded in ``history`` and checkpointed."""


def fit(
    model: Any,
    train_loader: Iterable,
    *,
    epochs: int,
    optimizer: Any,
    loss_fn: Callable,
    val_loader: Iterable | None = None,
    callbacks: Sequence[Callback] = (),
    log_format: str = "bar",
    checkpoint_path: str | os.PathLike | None = None,
    resume_from: str | os.PathLike | None = None,
    config: dict | None = None,
    generator: Any = None,
    scheduler: Any = None,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return what was measured.

    Works with gradstep and PyTorch alike: the engine is found from the model's
    parameters. ``log_format`` is ``"bar"`` (a progress bar per epoch),
    ``"lesson"`` (the lesson's printed lines) or ``"none"``.

    With ``checkpoint_path``, a checkpoint is written after every epoch and when
    training is interrupted (Ctrl-C, or a callback raising KeyboardInterrupt),
    before the interrupt goes on up. ``resume_from`` continues from such a
    checkpoint; with the same data, the result is bit-identical to a run that
    was never interrupted. For that the loader must shuffle with its own
    ``generator`` (``DataLoader(..., shuffle=True, generator=g)``), whose state
    the checkpoint keeps; pass ``generator`` if the loader does not expose it.
    ``config`` is stored in the checkpoint as it is (a dict of JSON values).
    ``scheduler``, a learning-rate schedule, is stepped after every epoch and saved
    with the checkpoint.

    Raises:
        TrainingDiverged: the loss became NaN or infinite.

    Example:
        >>> import gradstep
        >>> from gradstep.utils.data import DataLoader, TensorDataset
        >>> _ = gradstep.manual_seed(0)
        >>> data = TensorDataset(gradstep.randn(64, 4), gradstep.randint(0, 2, (64,)))
        >>> model = gradstep.nn.Linear(4, 2)
        >>> history = fit(model, DataLoader(data, batch_size=16), epochs=2,
        ...               optimizer=gradstep.optim.SGD(model.parameters(), lr=0.1),
        ...               loss_fn=gradstep.nn.CrossEntropyLoss(), log_format="none")
        >>> len(history), history[-1].epoch
        (2, 2)
    """
    engine = engine_of(model)
    make_progress = progress_class(log_format)
    if generator is None:
        generator = getattr(train_loader, "generator", None)

    if resume_from is not None:
        start = _restore(resume_from, engine, model, optimizer, generator, scheduler)
        history, epochs_done, totals = start.history, start.epochs_done, start.totals
    else:
        history, epochs_done, totals = History(), 0, EpochTotals()
    # Taken before the loader is iterated: iterating draws from the generator.
    epoch_start_state = _generator_state(generator)

    def save_checkpoint() -> None:
        if checkpoint_path is not None:
            TrainingCheckpoint(
                model.state_dict(), optimizer.state_dict(), epochs_done,
                totals, epoch_start_state, history, config,
                scheduler.state_dict() if scheduler is not None else None,
            ).save(checkpoint_path)

    # Weights that blow up make NumPy warn about overflow on every op on the way to a NaN
    # loss; the divergence check reports it once, with what to do about it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            for epoch in range(epochs_done + 1, epochs + 1):
                progress = make_progress(epoch, epochs, len(train_loader), len(train_loader.dataset), totals.batches)
                try:
                    _train_one_epoch(model, train_loader, optimizer, loss_fn, epoch, totals, progress, callbacks)
                finally:
                    progress.close()
                if scheduler is not None:
                    scheduler.step()
                validation = evaluate(model, val_loader, loss_fn) if val_loader is not None else None
                history.append(EpochRecord(
                    epoch=epoch,
                    train_loss=totals.mean_loss,
                    train_accuracy=totals.accuracy,
                    val_loss=validation.loss if validation is not None else None,
                    val_accuracy=validation.accuracy if validation is not None else None,
                    seconds=totals.seconds,
                ))
                progress.epoch_done(history[-1])
                epochs_done, totals = epoch, EpochTotals()
                epoch_start_state = _generator_state(generator)
                save_checkpoint()
                for callback in callbacks:
                    callback.on_epoch_end(epoch, history)
        except KeyboardInterrupt:
            save_checkpoint()
            raise
    return history


def _restore(
    checkpoint: str | os.PathLike, engine: ModuleType, model: Any, optimizer: Any, generator: Any, scheduler: Any
) -> TrainingCheckpoint:
    """Put the model, the optimizer, the schedule and the shuffling generator back as the checkpoint has them."""
    saved = TrainingCheckpoint.load(checkpoint, tensor_from_numpy=engine.from_numpy)
    model.load_state_dict(saved.model_state)
    optimizer.load_state_dict(saved.optimizer_state)
    if generator is not None and saved.generator_state is not None:
        generator.set_state(saved.generator_state)
    if scheduler is not None and saved.scheduler_state is not None:
        scheduler.load_state_dict(saved.scheduler_state)
    return saved


def _train_one_epoch(
    model: Any,
    loader: Iterable,
    optimizer: Any,
    loss_fn: Callable,
    epoch: int,
    totals: EpochTotals,
    progress: EpochProgress,
    callbacks: Sequence[Callback],
) -> None:
    """Train on the batches of one epoch that ``totals`` does not count yet, adding them to it."""
    model.train()
    # When resuming mid-epoch, the loader reshuffles exactly as before (its generator
    # was restored), so skipping the batches already done leaves the remaining ones.
    batches = islice(iter(loader), totals.batches, None)
    last_time = time.perf_counter()
    for step, (images, labels) in enumerate(batches, start=totals.batches + 1):
        optimizer.zero_grad()
        output = model(images)
        loss = loss_fn(output, labels)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise TrainingDiverged(epoch, step, loss_value)
        loss.backward()
        correct = (output.argmax(1) == labels).sum().item()
        with _ctrl_c_held_back():
            optimizer.step()
            now = time.perf_counter()
            totals.add(labels.shape[0], loss_value, correct, now - last_time)
            last_time = now
        progress.batch_done(totals.samples, loss_value, totals.accuracy)
        for callback in callbacks:
            callback.on_batch_end(epoch, step, loss_value)


@contextmanager
def _ctrl_c_held_back() -> Iterator[None]:
    """Delay Ctrl-C until the block is over.

    An update cut short by Ctrl-C would leave some weights stepped and others
    not, and the checkpoint saved next would hold that half-made state. Here the
    keypress is only noted, then handed to the usual handler once the weights
    and the counts agree again.
    """
    # Python only lets the main thread change signal handlers.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    usual_handler = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, usual_handler if usual_handler is not None else signal.SIG_DFL)
    if pressed and callable(usual_handler):
        usual_handler(signal.SIGINT, None)


def _generator_state(generator: Any) -> Any:
    # A gradstep Generator's state is a dict of plain values, a torch.Generator's a
    # ByteTensor: both go into a checkpoint as they are and come back to set_state.
    return None if generator is None else generator.get_state()
