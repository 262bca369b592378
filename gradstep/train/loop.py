"""The training loop: the same code trains gradstep and PyTorch models."""
from __future__ import annotations

import math
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from types import ModuleType
from typing import Any

import numpy as np

from gradstep.ops.blas_threads import by_size_alone
from gradstep.serialization import CheckpointError
from gradstep.train.checkpoint import (
    EpochTotals, TrainingCheckpoint, check_optimizer_state, check_scheduler_state, check_state_dict,
)
from gradstep.train.distributed import sum_over_processes, unwrap
from gradstep.train.engines import engine_of
from gradstep.train.evaluation import evaluate
from gradstep.train.history import EpochRecord, History
from gradstep.train.progress import TrainingProgress, progress_class
from gradstep.train.weights import save_weights


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
    weights_path: str | os.PathLike | None = None,
    resume_from: str | os.PathLike | None = None,
    config: dict | None = None,
    generator: Any = None,
    scheduler: Any = None,
    device: Any = None,
    held_out: str = "val",
) -> History:
    """Train ``model`` for ``epochs`` epochs and return what was measured.

    Works with gradstep and PyTorch alike: the engine is found from the model's
    parameters. ``log_format`` is ``"bar"`` (a progress bar per epoch),
    ``"lesson"`` (the lesson's printed lines) or ``"none"``. After every epoch
    the model is measured on ``val_loader``, if given; ``held_out`` names those
    images in the printed lines ("val" for a validation split, "test" for the
    test set). ``device`` is where the batches go (PyTorch's ``x.to(device)``);
    None leaves them where the loader puts them.

    With ``checkpoint_path``, a checkpoint is written after every epoch and when
    training is interrupted (Ctrl-C, or a callback raising KeyboardInterrupt),
    before the interrupt goes on up; with ``weights_path``, the model's weights
    are written there too, as safetensors with ``config`` in their metadata.
    ``resume_from`` continues from such a checkpoint; with the same data, the
    result is bit-identical to a run that was never interrupted. For that the
    loader must shuffle with its own ``generator`` (``DataLoader(...,
    shuffle=True, generator=g)``), whose state the checkpoint keeps (pass
    ``generator`` if the loader does not expose it), or with a sampler that has
    ``set_epoch`` (PyTorch's ``DistributedSampler``), which ``fit`` calls at the
    start of every epoch. ``config`` is stored in the checkpoint as it is (a
    dict of JSON values). ``scheduler``, a learning-rate schedule, is stepped
    after every epoch and saved with the checkpoint.

    In a model wrapped in ``DistributedDataParallel`` (several processes started
    by ``torchrun``), the losses and counts of every process are added up, so
    each process records the numbers of the whole batch; give the paths and a
    ``log_format`` other than ``"none"`` to one process only.

    Raises:
        TrainingDiverged: the loss became NaN or infinite.
        CheckpointError: ``resume_from`` is damaged or does not fit the model,
            the optimizer or the schedule.

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
    inner_model = unwrap(model)  # what to save and measure: the model itself, not a DDP wrapper
    progress = progress_class(log_format)(epochs, len(train_loader), len(train_loader.dataset), held_out)
    if generator is None:
        generator = getattr(train_loader, "generator", None)
    sampler = getattr(train_loader, "sampler", None)

    if resume_from is not None:
        start = _restore(resume_from, engine, inner_model, optimizer, generator, scheduler)
        history, epochs_done, totals, run_totals = start.history, start.epochs_done, start.totals, start.run_totals
        if epochs_done > epochs:
            raise CheckpointError(f"{resume_from}: {epochs_done} epochs are done already, more than the {epochs} "
                                  "asked for")
    else:
        history, epochs_done, totals, run_totals = History(), 0, EpochTotals(), EpochTotals()
    # Taken before the loader is iterated: iterating draws from the generator.
    epoch_start_state = _generator_state(generator)
    saved_at = None

    def save_checkpoint() -> None:
        nonlocal saved_at
        if saved_at == (epochs_done, totals.batches):
            return  # nothing changed since the last save
        if checkpoint_path is not None:
            TrainingCheckpoint(
                inner_model.state_dict(), optimizer.state_dict(), epochs_done, totals, run_totals,
                epoch_start_state, engine.get_rng_state(), history, config,
                scheduler.state_dict() if scheduler is not None else None,
            ).save(checkpoint_path)
        if weights_path is not None:
            save_weights(inner_model.state_dict(), weights_path, config)
        saved_at = (epochs_done, totals.batches)

    # Weights that blow up make NumPy warn about overflow on every op on the way to a NaN
    # loss; the divergence check reports it once, with what to do about it. The BLAS thread
    # count of each product must not follow the machine's load: a product's last bits can
    # depend on it, and a resumed run must match an uninterrupted one bit for bit.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), by_size_alone():
        try:
            for epoch in range(epochs_done + 1, epochs + 1):
                if hasattr(sampler, "set_epoch"):
                    sampler.set_epoch(epoch)
                progress.epoch_start(epoch, totals.batches)
                try:
                    _train_one_epoch(model, train_loader, optimizer, loss_fn, epoch, totals, run_totals, progress,
                                     callbacks, device)
                finally:
                    progress.epoch_end()
                # Measuring changes nothing: Ctrl-C here saves the epoch as all trained but not yet
                # recorded, and a resume measures again. The bookkeeping below happens as one.
                validation = evaluate(inner_model, val_loader, loss_fn, device) if val_loader is not None else None
                with _ctrl_c_held_back():
                    if scheduler is not None:
                        with warnings.catch_warnings():
                            # Resumed right after an epoch's batches, this process has not called
                            # optimizer.step() yet, and PyTorch warns of a wrong order; the order is right.
                            warnings.filterwarnings("ignore", "Detected call of `lr_scheduler.step")
                            scheduler.step()
                    history.append(EpochRecord(
                        epoch=epoch,
                        train_loss=totals.mean_loss,
                        train_accuracy=totals.accuracy,
                        val_loss=validation.loss if validation is not None else None,
                        val_accuracy=validation.accuracy if validation is not None else None,
                        seconds=totals.seconds,
                    ))
                    run_totals.include(totals)
                    epochs_done, totals = epoch, EpochTotals()
                    epoch_start_state = _generator_state(generator)
                    save_checkpoint()
                progress.epoch_done(history[-1])
                for callback in callbacks:
                    callback.on_epoch_end(epoch, history)
        except KeyboardInterrupt:
            with _ctrl_c_held_back():
                save_checkpoint()
            raise
    return history


def _restore(
    checkpoint: str | os.PathLike, engine: ModuleType, model: Any, optimizer: Any, generator: Any, scheduler: Any
) -> TrainingCheckpoint:
    """Put the model, the optimizer, the schedule and the random generators back as the checkpoint has them.

    Everything is checked against the objects it goes into first, so a
    checkpoint of another model or a damaged one is refused with its file's
    name and what does not fit, before anything is changed.
    """
    saved = TrainingCheckpoint.load(checkpoint, tensor_from_numpy=engine.from_numpy)
    check_state_dict(saved.model_state, model, checkpoint)
    check_optimizer_state(saved.optimizer_state, optimizer, checkpoint)
    if (scheduler is None) != (saved.scheduler_state is None):
        raise CheckpointError(f"{checkpoint}: saved {'with' if scheduler is None else 'without'} a learning-rate "
                              "schedule, resumed the other way")
    if scheduler is not None:
        check_scheduler_state(saved.scheduler_state, scheduler, saved.epochs_done, checkpoint)
    with _restoring("model", checkpoint):
        model.load_state_dict(saved.model_state)
    with _restoring("optimizer", checkpoint):
        optimizer.load_state_dict(saved.optimizer_state)
    if scheduler is not None:
        with _restoring("scheduler", checkpoint):
            scheduler.load_state_dict(saved.scheduler_state)
    if generator is not None:
        with _restoring("generator_state", checkpoint):
            generator.set_state(saved.generator_state)
    with _restoring("rng_state", checkpoint):
        engine.set_rng_state(saved.rng_state)
    return saved


def _train_one_epoch(
    model: Any,
    loader: Iterable,
    optimizer: Any,
    loss_fn: Callable,
    epoch: int,
    totals: EpochTotals,
    earlier_epochs: EpochTotals,
    progress: TrainingProgress,
    callbacks: Sequence[Callback],
    device: Any,
) -> None:
    """Train on the batches of one epoch that ``totals`` does not count yet, adding them to it."""
    engine = engine_of(model)
    model.train()
    # When resuming mid-epoch, the loader reshuffles exactly as before (its generator
    # was restored), so skipping the batches already done leaves the remaining ones.
    batches = islice(iter(loader), totals.batches, None)
    last_time = time.perf_counter()
    for step, (images, labels) in enumerate(batches, start=totals.batches + 1):
        if device is not None:
            images, labels = images.to(device), labels.to(device)
        with _leaving_no_trace_if_cut_short(engine, model):
            optimizer.zero_grad()
            output = model(images)
            loss = loss_fn(output, labels)
            correct = (output.argmax(1) == labels).sum().item()
            # Across processes (DistributedDataParallel) the batch is all of theirs together.
            samples, loss_sum, correct = sum_over_processes(
                engine, [labels.shape[0], loss.item() * labels.shape[0], correct], device)
            loss_value = loss_sum / samples
            if not math.isfinite(loss_value):
                raise TrainingDiverged(epoch, step, loss_value)
            loss.backward()
        with _ctrl_c_held_back():
            optimizer.step()
            now = time.perf_counter()
            totals.add(int(samples), loss_value, int(correct), now - last_time)
            last_time = now
        progress.batch_done(loss_value, totals, earlier_epochs)
        for callback in callbacks:
            callback.on_batch_end(epoch, step, loss_value)


@contextmanager
def _leaving_no_trace_if_cut_short(engine: ModuleType, model: Any) -> Iterator[None]:
    """Undo what the forward pass of a batch changed outside the weights, if Ctrl-C cuts the batch short.

    Dropout draws from the global random generator and batch norm updates its running
    statistics, both in the forward pass. Put back as they were before the batch, the
    checkpoint saved next holds the state the batch started from, and the resumed run
    trains that batch exactly as a run never stopped does.
    """
    random_state = engine.get_rng_state()
    buffers = [(buffer, buffer.clone()) for buffer in model.buffers()]
    try:
        yield
    except KeyboardInterrupt:
        engine.set_rng_state(random_state)
        with engine.no_grad():
            for buffer, before in buffers:
                buffer.copy_(before)
        raise


@contextmanager
def _restoring(part: str, checkpoint: str | os.PathLike) -> Iterator[None]:
    """Report a part of the checkpoint that its object refuses as a CheckpointError naming the file and the part."""
    try:
        yield
    except (TypeError, ValueError, KeyError, IndexError, RuntimeError) as error:
        raise CheckpointError(f"{checkpoint}: its {part} cannot be restored: {error}") from error


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
