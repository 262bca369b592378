"""Everything needed to pick training up exactly where it stopped, and the checks that a saved state fits."""
from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from gradstep.serialization import CheckpointError, load, save
from gradstep.train.history import EpochRecord, History


@dataclass
class EpochTotals:
    """Running sums over the batches trained so far, in one epoch or in several.

    Example:
        >>> totals = EpochTotals()
        >>> totals.add(samples=4, loss=0.5, correct=3, seconds=0.1)
        >>> totals.add(samples=4, loss=1.0, correct=1, seconds=0.1)
        >>> totals.batches, totals.mean_loss, totals.accuracy
        (2, 0.75, 0.5)
    """

    batches: int = 0
    samples: int = 0
    correct: int = 0
    loss_sum: float = 0.0
    seconds: float = 0.0

    def add(self, samples: int, loss: float, correct: int, seconds: float) -> None:
        """Count one batch of ``samples`` samples whose mean loss was ``loss``."""
        self.batches += 1
        self.samples += samples
        self.correct += correct
        # Weighted by batch size so that a short last batch counts for what it holds.
        self.loss_sum += loss * samples
        self.seconds += seconds

    def include(self, other: EpochTotals) -> None:
        """Add all of ``other``'s batches, e.g. a finished epoch's to the whole run's."""
        self.batches += other.batches
        self.samples += other.samples
        self.correct += other.correct
        self.loss_sum += other.loss_sum
        self.seconds += other.seconds

    @property
    def mean_loss(self) -> float:
        return self.loss_sum / self.samples

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples

    @classmethod
    def from_dict(cls, values: Any) -> EpochTotals:
        """Totals as :func:`dataclasses.asdict` gave them, checked: whole counts that agree, finite sums."""
        totals = cls(**_fields_of(cls, values))
        counts = (totals.batches, totals.samples, totals.correct)
        if not all(_is_count(count) for count in counts) or not all(_is_finite(s) for s in (totals.loss_sum,
                                                                                          totals.seconds)):
            raise ValueError(f"expected counts and finite sums, got {values}")
        if totals.correct > totals.samples or (totals.samples == 0) != (totals.batches == 0) \
                or totals.batches > totals.samples:
            raise ValueError(f"the counts disagree: {values}")
        return totals


@dataclass
class TrainingCheckpoint:
    """A snapshot of training between two batches.

    ``epochs_done`` epochs are finished and ``totals.batches`` batches of the
    next epoch are done (0 right after an epoch); ``run_totals`` sums the
    finished epochs. ``generator_state`` is the shuffling generator's state at
    the start of that next epoch: restoring it makes the loader shuffle the same
    way again, so the batches already done can be skipped and training goes on
    as if it had never stopped. ``rng_state`` is the engine's global random
    state at the moment of saving (for models that draw random numbers, like dropout).

    Example:
        >>> import tempfile, gradstep
        >>> from pathlib import Path
        >>> model = gradstep.nn.Linear(2, 1)
        >>> optimizer = gradstep.optim.SGD(model.parameters(), lr=0.1)
        >>> path = Path(tempfile.mkdtemp()) / "checkpoint.npz"
        >>> TrainingCheckpoint(model.state_dict(), optimizer.state_dict(), epochs_done=0).save(path)
        >>> TrainingCheckpoint.load(path).epochs_done
        0
    """

    model_state: dict
    optimizer_state: dict
    epochs_done: int
    totals: EpochTotals = field(default_factory=EpochTotals)
    run_totals: EpochTotals = field(default_factory=EpochTotals)
    generator_state: Any = None
    rng_state: Any = None
    history: History = field(default_factory=History)
    config: dict | None = None
    scheduler_state: dict | None = None

    def save(self, path: str | os.PathLike) -> None:
        save(
            {
                "model": self.model_state,
                "optimizer": self.optimizer_state,
                "epoch": self.epochs_done,
                "epoch_totals": dataclasses.asdict(self.totals),
                "run_totals": dataclasses.asdict(self.run_totals),
                "generator_state": self.generator_state,
                "rng_state": self.rng_state,
                "history": self.history.to_dicts(),
                "config": self.config,
                "scheduler": self.scheduler_state,
            },
            path,
        )

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        tensor_from_numpy: Callable[[np.ndarray], Any] | None = None,
    ) -> TrainingCheckpoint:
        """Read a checkpoint written by :meth:`save`; tensors are made by ``tensor_from_numpy``.

        Every field is checked for its type and for agreeing with the others
        (as many finished epochs as history rows, counts that add up), so that a
        damaged or hand-edited file is refused here, naming the field, rather
        than failing halfway through training.
        """
        state = load(path, tensor_from_numpy=tensor_from_numpy)
        if not isinstance(state, dict):
            raise CheckpointError(f"{path}: not a training checkpoint (it holds a {type(state).__name__})")
        where = "the file"
        try:
            where = "epoch"
            epochs_done = state["epoch"]
            if not _is_count(epochs_done):
                raise ValueError(f"expected a count of epochs, got {epochs_done!r}")
            where = "history"
            history = History([EpochRecord.from_dict(row) for row in _list(state["history"])])
            if [record.epoch for record in history] != list(range(1, epochs_done + 1)):
                raise ValueError(f"expected a row for each of the {epochs_done} finished epochs, "
                                 f"got epochs {[record.epoch for record in history]}")
            where = "epoch_totals"
            totals = EpochTotals.from_dict(state["epoch_totals"])
            where = "run_totals"
            run_totals = EpochTotals.from_dict(state["run_totals"])
            for where in ("model", "optimizer"):
                if not isinstance(state[where], dict):
                    raise ValueError(f"expected a dict, got {type(state[where]).__name__}")
            for where in ("config", "scheduler"):
                if state[where] is not None and not isinstance(state[where], dict):
                    raise ValueError(f"expected a dict or nothing, got {type(state[where]).__name__}")
            return cls(
                model_state=state["model"],
                optimizer_state=state["optimizer"],
                epochs_done=epochs_done,
                totals=totals,
                run_totals=run_totals,
                generator_state=state["generator_state"],
                rng_state=state["rng_state"],
                history=history,
                config=state["config"],
                scheduler_state=state["scheduler"],
            )
        except KeyError as error:
            raise CheckpointError(f"{path}: not a training checkpoint: {where} lacks {error}") from error
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"{path}: not a valid training checkpoint: {where}: {error}") from error


def check_state_dict(saved: Any, model: Any, source: str | os.PathLike) -> None:
    """Refuse ``saved`` unless it has exactly the model's entries, each of the shape and dtype the model has.

    The entries may be tensors of either engine or NumPy arrays. ``load_state_dict``
    would also refuse a wrong shape, but in a long traceback, and not a wrong
    dtype; here the message names the entry and both shapes.

    Example:
        >>> import gradstep
        >>> check_state_dict({"weight": gradstep.zeros(1, 3), "bias": gradstep.zeros(1)},
        ...                  gradstep.nn.Linear(2, 1), "small.npz")
        Traceback (most recent call last):
          ...
        gradstep.serialization.CheckpointError: small.npz: weight has shape (1, 3), the model's is (1, 2)
    """
    expected = model.state_dict()
    if not isinstance(saved, dict):
        raise CheckpointError(f"{source}: the weights are a {type(saved).__name__}, not a dict of tensors")
    missing, unexpected = sorted(set(expected) - set(saved)), sorted(set(saved) - set(expected), key=str)
    if missing or unexpected:
        raise CheckpointError(f"{source}: does not hold this model's weights (missing: {', '.join(missing) or '-'}; "
                              f"not in the model: {', '.join(map(str, unexpected)) or '-'})")
    for name, reference in expected.items():
        value = saved[name]
        shape = tuple(getattr(value, "shape", ()))
        if not hasattr(value, "dtype") or shape != tuple(reference.shape):
            raise CheckpointError(f"{source}: {name} has shape {shape}, the model's is {tuple(reference.shape)}")
        if _numpy_dtype(value) != _numpy_dtype(reference):
            raise CheckpointError(f"{source}: {name} holds {_numpy_dtype(value)}, the model's is "
                                  f"{_numpy_dtype(reference)}")


def check_optimizer_state(saved: dict, optimizer: Any, source: str | os.PathLike) -> None:
    """Refuse an optimizer state that does not belong to ``optimizer``: other parameters, or buffers of other shapes."""
    expected = optimizer.state_dict()
    groups = saved.get("param_groups")
    if not isinstance(groups, list) or not isinstance(saved.get("state"), dict) or len(groups) != len(
            expected["param_groups"]):
        raise CheckpointError(f"{source}: the optimizer state does not match this optimizer's parameter groups")
    for group, reference in zip(groups, expected["param_groups"]):
        if not isinstance(group, dict) or group.get("params") != reference["params"]:
            raise CheckpointError(f"{source}: the optimizer state is for other parameters")
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    for index, buffers in saved["state"].items():
        if not _is_count(index) or index >= len(parameters) or not isinstance(buffers, dict):
            raise CheckpointError(f"{source}: the optimizer state refers to a parameter {index!r} this model lacks")
        for name, value in buffers.items():
            if getattr(value, "ndim", 0) > 0 and tuple(value.shape) != tuple(parameters[index].shape):
                raise CheckpointError(f"{source}: the optimizer's {name} for parameter {index} has shape "
                                      f"{tuple(value.shape)}, the parameter's is {tuple(parameters[index].shape)}")


def check_scheduler_state(saved: dict, scheduler: Any, epochs_done: int, source: str | os.PathLike) -> None:
    """Refuse a schedule state that is not this scheduler's after ``epochs_done`` steps (one per epoch)."""
    expected = scheduler.state_dict()
    if set(saved) != set(expected):
        raise CheckpointError(f"{source}: the schedule state has other entries than this learning-rate schedule")
    for name, value in saved.items():
        if _kind(value) != _kind(expected[name]) or (_kind(value) == "number" and not _is_finite(value)):
            raise CheckpointError(f"{source}: the schedule's {name} is {value!r}")
    if saved.get("last_epoch") != epochs_done:
        raise CheckpointError(f"{source}: the schedule was stepped {saved.get('last_epoch')!r} times, "
                              f"but {epochs_done} epochs are done")


def _numpy_dtype(value: Any) -> np.dtype:
    # The two engines name their dtypes differently; NumPy's names are common to both.
    return value.dtype if isinstance(value, np.ndarray) else value.detach().cpu().numpy().dtype


def _fields_of(cls: type, values: Any) -> dict[str, Any]:
    """``values`` as keyword arguments for dataclass ``cls``: a dict with exactly its fields."""
    names = [field.name for field in dataclasses.fields(cls)]
    if not isinstance(values, dict) or set(values) != set(names):
        raise ValueError(f"expected the fields {', '.join(names)}, got {values!r}")
    return values


def _list(values: Any) -> list:
    if not isinstance(values, list):
        raise ValueError(f"expected a list, got {type(values).__name__}")
    return values


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, Real) else type(value).__name__


def _is_finite(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
