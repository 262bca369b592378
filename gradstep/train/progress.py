"""Show how training is going: a progress bar, the lesson's printed lines, or nothing."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradstep.train.checkpoint import EpochTotals
    from gradstep.train.history import EpochRecord

LESSON_PRINT_EVERY = 125
"""The lesson prints a line after every 125 batches of an epoch, and after its last one."""


class TrainingProgress:
    """Told about every batch; shows nothing. The base of the other reporters.

    ``total_batches`` and ``total_samples`` are one epoch's; ``held_out``
    names the data measured after each epoch ("val" or "test").
    """

    def __init__(self, epochs: int, total_batches: int, total_samples: int, held_out: str = "val") -> None:
        self.epochs = epochs
        self.total_batches = total_batches
        self.total_samples = total_samples
        self.held_out = held_out

    def epoch_start(self, epoch: int, batches_done: int) -> None:
        """Before the first batch of ``epoch`` still to train (``batches_done`` were trained before a resume)."""

    def batch_done(self, loss: float, epoch: EpochTotals, earlier_epochs: EpochTotals) -> None:
        """After a batch: its mean ``loss``, the totals of this epoch so far, and of the epochs before."""

    def epoch_end(self) -> None:
        """After the epoch's last batch, or when training stops during the epoch."""

    def epoch_done(self, record: EpochRecord) -> None:
        """After the epoch was trained and measured."""


class LessonLines(TrainingProgress):
    """Print what the lesson's ``fit()`` prints, e.g. ``Epoch1:[16000/300000(5%)]\\tLoss:0.512345\\t Accuracy: 78.125``.

    As in the lesson, the sample count and the accuracy run over the whole
    training, not one epoch: the lesson sets ``correct = 0; samples = 0`` once,
    before its epoch loop, and divides by ``epochs * len(dataset)``. ``Loss`` is
    the loss of the batch just trained on.

    Example:
        >>> from gradstep.train.checkpoint import EpochTotals
        >>> progress = LessonLines(epochs=2, total_batches=1, total_samples=256)
        >>> first, second = EpochTotals(1, 256, 192, 128.0, 0.1), EpochTotals(1, 256, 224, 64.0, 0.1)
        >>> progress.epoch_start(2, batches_done=0)
        >>> progress.batch_done(0.25, epoch=second, earlier_epochs=first)  # doctest: +NORMALIZE_WHITESPACE
        Epoch2:[512/512(100%)]	Loss:0.250000	 Accuracy: 81.250
    """

    def epoch_start(self, epoch: int, batches_done: int) -> None:
        self.epoch, self.batches_done = epoch, batches_done

    def batch_done(self, loss: float, epoch: EpochTotals, earlier_epochs: EpochTotals) -> None:
        self.batches_done += 1
        if self.batches_done % LESSON_PRINT_EVERY == 0 or self.batches_done == self.total_batches:
            samples = earlier_epochs.samples + epoch.samples
            correct = earlier_epochs.correct + epoch.correct
            total = self.epochs * self.total_samples
            pct = 100 * samples / total
            acc = 100 * correct / samples
            print(f"Epoch{self.epoch}:[{samples}/{total}({pct:.0f}%)]\tLoss:{loss:.6f}\t Accuracy:{acc: .3f}")


class ProgressBar(TrainingProgress):
    """A tqdm bar per epoch, showing the latest batch's loss and the epoch's running accuracy."""

    def epoch_start(self, epoch: int, batches_done: int) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total_batches, initial=batches_done, desc=f"Epoch {epoch}/{self.epochs}",
                        unit="batch")

    def batch_done(self, loss: float, epoch: EpochTotals, earlier_epochs: EpochTotals) -> None:
        # refresh=False: the bar redraws on its own clock, not once per batch.
        self.bar.set_postfix({"loss": f"{loss:.4f}", "accuracy": f"{epoch.accuracy:.1%}"}, refresh=False)
        self.bar.update(1)

    def epoch_end(self) -> None:
        self.bar.close()

    def epoch_done(self, record: EpochRecord) -> None:
        """One line that stays when the bar is gone, e.g. ``Epoch 1/5: train loss 0.5573, accuracy 79.8% | ...``."""
        line = f"Epoch {record.epoch}/{self.epochs}: train loss {record.train_loss:.4f}, "
        line += f"accuracy {record.train_accuracy:.1%}"
        if record.val_loss is not None:
            line += f" | {self.held_out} loss {record.val_loss:.4f}, accuracy {record.val_accuracy:.1%}"
        print(f"{line} | {record.seconds:.1f} s", flush=True)


_REPORTERS: dict[str, type[TrainingProgress]] = {"bar": ProgressBar, "lesson": LessonLines, "none": TrainingProgress}
LOG_FORMATS: tuple[str, ...] = tuple(_REPORTERS)


def progress_class(log_format: str) -> type[TrainingProgress]:
    """The reporter for a ``log_format`` of ``"bar"``, ``"lesson"`` or ``"none"``."""
    if log_format not in _REPORTERS:
        raise ValueError(f"log_format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return _REPORTERS[log_format]
