"""What training measured, epoch by epoch."""
from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class EpochRecord:
    """The numbers of one epoch. Accuracies are fractions in [0, 1].

    ``train_loss`` and ``train_accuracy`` are averaged over every training
    sample of the epoch, measured while the weights were still changing;
    the validation numbers are measured once, after the epoch. ``seconds``
    is the time spent training, without validation.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float


class History:
    """One :class:`EpochRecord` per finished epoch, as returned by ``fit``.

    Example:
        >>> history = History()
        >>> history.append(EpochRecord(1, 0.9, 0.70, 0.8, 0.75, 2.5))
        >>> history.append(EpochRecord(2, 0.6, 0.80, 0.7, 0.78, 2.4))
        >>> history.column("val_accuracy")
        [0.75, 0.78]
        >>> history[-1].train_loss
        0.6
    """

    def __init__(self, records: list[EpochRecord] | None = None) -> None:
        self.records: list[EpochRecord] = list(records or [])

    def append(self, record: EpochRecord) -> None:
        self.records.append(record)

    def column(self, name: str) -> list:
        """One field of every epoch, e.g. ``history.column("train_loss")``."""
        return [getattr(record, name) for record in self.records]

    def to_dicts(self) -> list[dict]:
        return [dataclasses.asdict(record) for record in self.records]

    @classmethod
    def from_dicts(cls, rows: list[dict]) -> History:
        return cls([EpochRecord(**row) for row in rows])

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch, with a header; missing validation numbers are left empty."""
        fields = [field.name for field in dataclasses.fields(EpochRecord)]
        with open(path, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.to_dicts())

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> EpochRecord:
        return self.records[index]

    def __iter__(self) -> Iterator[EpochRecord]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"History({len(self)} epochs)"
