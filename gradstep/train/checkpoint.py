"""Everything needed to pick training up exactly where it stopped."""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradstep.serialization import CheckpointError, load, save
from gradstep.train.history import History


@dataclass
class EpochTotals:
    """Running sums over the batches trained so far in the current epoch.

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
        self.batches += 1
        self.samples += samples
        self.correct += correct
        # Weighted by batch size so that a short last batch counts for what it holds.
        self.loss_sum += loss * samples
        self.seconds += seconds

    @property
    def mean_loss(self) -> float:
        return self.loss_sum / self.samples

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples


@dataclass
class TrainingCheckpoint:
    """A snapshot of training between two batches.

    ``epochs_done`` epochs are finished and ``totals.batches`` batches of the
    next epoch are done (0 right after an epoch). ``generator_state`` is the
    shuffling generator's state at the start of that next epoch: restoring it
    makes the loader shuffle the same way again, so the batches already done
    can be skipped and training goes on as if it had never stopped.

    Example:
        >>> import tempfile, gradstep
        >>> from pathlib import Path
        >>> model = gradstep.nn.Linear(2, 1)
        >>> optimizer = gradstep.optim.SGD(model.parameters(), lr=0.1)
        >>> path = Path(tempfile.mkdtemp()) / "checkpoint.npz"
        >>> TrainingCheckpoint(model.state_dict(), optimizer.state_dict(), epochs_done=1).save(path)
        >>> TrainingCheckpoint.load(path).epochs_done
        1
    """

    model_state: dict
    optimizer_state: dict
    epochs_done: int
    totals: EpochTotals = field(default_factory=EpochTotals)
    generator_state: Any = None
    history: History = field(default_factory=History)
    config: dict | None = None
    scheduler_state: dict | None = None

    def save(self, path: str | os.PathLike) -> None:
        save(
            {
                "model": self.model_state,
                "optimizer": self.optimizer_state,
                "epoch": self.epochs_done,
                "step": self.totals.batches,
                "epoch_totals": dataclasses.asdict(self.totals),
                "generator_state": self.generator_state,
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
        """Read a checkpoint written by :meth:`save`; tensors are made by ``tensor_from_numpy``."""
        state = load(path, tensor_from_numpy=tensor_from_numpy)
        try:
            return cls(
                model_state=state["model"],
                optimizer_state=state["optimizer"],
                epochs_done=state["epoch"],
                totals=EpochTotals(**state["epoch_totals"]),
                generator_state=state["generator_state"],
                history=History.from_dicts(state["history"]),
                config=state["config"],
                scheduler_state=state.get("scheduler"),
            )
        except (KeyError, TypeError) as error:
            raise CheckpointError(f"{path}: not a training checkpoint (no valid {error})") from error
