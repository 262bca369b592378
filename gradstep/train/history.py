"""What training measured, epoch by epoch."""
from __future__ import annotations

import csv
import dataclasses
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Any

from gradstep.atomic import atomic_write


@dataclass(frozen=True)
class EpochRecord:
    """The numbers of one epoch. Accuracies are fractions in [0, 1].

    ``train_loss`` and ``train_accuracy`` are averaged over every training
    sample of the epoch, measured while the weights were still changing;
    ``val_loss`` and ``val_accuracy`` are measured once, after the epoch, on
    the held-out images ``fit`` was given (None without them). ``seconds``
    is the time spent training, without validation.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float

    @classmethod
    def from_dict(cls, row: Any) -> EpochRecord:
        """A record from :func:`dataclasses.asdict`'s dict, checked: an epoch number and finite measurements."""
        names = [field.name for field in dataclasses.fields(cls)]
        if not isinstance(row, dict) or set(row) != set(names):
            raise ValueError(f"expected an epoch with the fields {', '.join(names)}, got {row!r}")
        record = cls(**row)
        optional = {"val_loss", "val_accuracy"}
        for name in names:
            value = getattr(record, name)
            if value is None and name in optional:
                continue
            if not isinstance(value, Real) or isinstance(value, bool) or not math.isfinite(value) \
                    or (name == "epoch" and not isinstance(value, int)):
                raise ValueError(f"epoch {row.get('epoch')!r}: {name} is {value!r}")
        return record


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
        return cls([EpochRecord.from_dict(row) for row in rows])

    def to_csv(self, path: str | os.PathLike, held_out: str = "val") -> None:
        """Write one row per epoch, with a header; missing validation numbers are left empty.

        ``held_out`` names the held-out columns: ``val_loss`` and ``val_accuracy``
        for a validation split, ``test_loss`` and ``test_accuracy`` when the
        model was measured on the test set after every epoch. The file is
        written atomically: a reader never sees half of it.
        """
        rows = [{name.replace("val_", f"{held_out}_", 1): value for name, value in row.items()}
                for row in self.to_dicts()]
        fields = [field.name.replace("val_", f"{held_out}_", 1) for field in dataclasses.fields(EpochRecord)]
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        with atomic_write(path) as file:
            file.write(text.getvalue().encode())

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> EpochRecord:
        return self.records[index]

    def __iter__(self) -> Iterator[EpochRecord]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"History({len(self)} epochs)"
