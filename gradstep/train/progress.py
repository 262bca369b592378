"""Show how an epoch is going: a progress bar, the lesson's printed lines, or nothing."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradstep.train.history import EpochRecord

LESSON_PRINT_EVERY = 125
"""The lesson prints a line after every 125 batches, and after the last one."""


class EpochProgress:
    """Told about every batch of one epoch; shows nothing. The base of the other reporters."""

    def __init__(self, epoch: int, epochs: int, total_batches: int, total_samples: int, batches_done: int) -> None:
        self.epoch = epoch
        self.epochs = epochs
        self.total_batches = total_batches
        self.total_samples = total_samples
        self.batches_done = batches_done

    def batch_done(self, samples_seen: int, loss: float, running_accuracy: float) -> None:
        self.batches_done += 1

    def close(self) -> None:
        pass

    def epoch_done(self, record: "EpochRecord") -> None:
        """After the epoch was trained and validated."""


class LessonLines(EpochProgress):
    """Print the lesson's own lines, e.g. ``Epoch1:[16000/60000(27%)]\\tLoss:0.512345\\t Accuracy: 78.125``.

    ``Loss`` is the loss of the batch just trained on. ``Accuracy`` is the running
    accuracy over the epoch so far, in percent: a single batch's accuracy jumps
    around too much to show a trend.

    Example:
        >>> progress = LessonLines(1, 5, total_batches=2, total_samples=256, batches_done=1)
        >>> progress.batch_done(samples_seen=256, loss=0.5, running_accuracy=0.8)  # doctest: +NORMALIZE_WHITESPACE
        Epoch1:[256/256(100%)]	Loss:0.500000	 Accuracy: 80.000
    """

    def batch_done(self, samples_seen: int, loss: float, running_accuracy: float) -> None:
        super().batch_done(samples_seen, loss, running_accuracy)
        if self.batches_done % LESSON_PRINT_EVERY == 0 or self.batches_done == self.total_batches:
            epoch, seen, total = self.epoch, samples_seen, self.total_samples
            pct = 100 * self.batches_done / self.total_batches
            acc = 100 * running_accuracy
            print(f"Epoch{epoch}:[{seen}/{total}({pct:.0f}%)]\tLoss:{loss:.6f}\t Accuracy:{acc: .3f}")


class ProgressBar(EpochProgress):
    """A tqdm bar per epoch, showing the latest batch's loss and the epoch's running accuracy."""

    def __init__(self, epoch: int, epochs: int, total_batches: int, total_samples: int, batches_done: int) -> None:
        super().__init__(epoch, epochs, total_batches, total_samples, batches_done)
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total_batches, initial=batches_done, desc=f"Epoch {epoch}/{epochs}", unit="batch")

    def batch_done(self, samples_seen: int, loss: float, running_accuracy: float) -> None:
        super().batch_done(samples_seen, loss, running_accuracy)
        # refresh=False: the bar redraws on its own clock, not once per batch.
        self.bar.set_postfix({"loss": f"{loss:.4f}", "accuracy": f"{running_accuracy:.1%}"}, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()

    def epoch_done(self, record: "EpochRecord") -> None:
        """One line that stays when the bar is gone, e.g. ``Epoch 1/5: train loss 0.5573, accuracy 79.8% | ...``."""
        line = f"Epoch {record.epoch}/{self.epochs}: train loss {record.train_loss:.4f}, "
        line += f"accuracy {record.train_accuracy:.1%}"
        if record.val_loss is not None:
            line += f" | val loss {record.val_loss:.4f}, accuracy {record.val_accuracy:.1%}"
        print(f"{line} | {record.seconds:.1f} s", flush=True)


_REPORTERS: dict[str, type[EpochProgress]] = {"bar": ProgressBar, "lesson": LessonLines, "none": EpochProgress}
LOG_FORMATS: tuple[str, ...] = tuple(_REPORTERS)


def progress_class(log_format: str) -> type[EpochProgress]:
    """The reporter for a ``log_format`` of ``"bar"``, ``"lesson"`` or ``"none"``."""
    if log_format not in _REPORTERS:
        raise ValueError(f"log_format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return _REPORTERS[log_format]
