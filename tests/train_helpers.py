"""What the tests of `gradstep train` share: quick settings, reading a run's weights, checking its files."""
import csv
import json
import os
import signal
from pathlib import Path

import matplotlib.image
import numpy as np

from gradstep.train.checkpoint import TrainingCheckpoint
from gradstep.train.weights import load_weights

# 10 batches of 32 per epoch, 2 epochs: short, yet long enough to stop anywhere.
SHORT = ["--train-size", "320", "--batch-size", "32", "--epochs", "2", "--log-format", "none"]
RUN_FILES = {"checkpoint.npz", "model.safetensors", "history.csv", "metrics.json", "curves.png",
             "confusion_matrix.png", "predictions.png", "first_layer.png"}


def weights(folder: Path) -> dict[str, np.ndarray]:
    """The run's final weights, from its checkpoint, checked to be those of model.safetensors too."""
    saved = TrainingCheckpoint.load(folder / "checkpoint.npz", tensor_from_numpy=np.asarray).model_state
    exported, _ = load_weights(folder / "model.safetensors")
    assert saved.keys() == exported.keys()
    for name in saved:
        assert np.array_equal(saved[name], exported[name]), name
    return saved


def assert_same_weights(folder: Path, expected: dict[str, np.ndarray]) -> None:
    actual = weights(folder)
    assert actual.keys() == expected.keys()
    for name, value in expected.items():
        assert np.array_equal(actual[name], value), f"{name} differs (max {np.abs(actual[name] - value).max()})"


def assert_every_file_complete_or_absent(folder: Path) -> None:
    """Each file of the run is absent or whole: it loads. Half-written ones may only be hidden .part files."""
    for path in folder.iterdir():
        if path.name.startswith("."):
            assert path.name == ".lock" or path.name.endswith(".part"), path.name
            continue
        assert path.name in RUN_FILES, path.name
        assert path.stat().st_size > 0, f"{path.name} is empty"
        if path.name == "checkpoint.npz":
            TrainingCheckpoint.load(path, tensor_from_numpy=np.asarray)
        elif path.name == "model.safetensors":
            load_weights(path)
        elif path.name == "history.csv":
            with open(path, newline="") as file:
                rows = list(csv.DictReader(file))
            assert rows and all(len(row) == 6 and None not in row.values() for row in rows)
        elif path.name == "metrics.json":
            json.loads(path.read_text())
        else:
            assert matplotlib.image.imread(path).shape[0] > 100


class SignalAt:
    """Send this process a signal on the `count`-th call of a function, from inside that call."""

    def __init__(self, function, count: int = 1, signum: int = signal.SIGINT) -> None:
        self.function, self.count, self.signum, self.calls = function, count, signum, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.count:
            os.kill(os.getpid(), self.signum)
        return self.function(*args, **kwargs)
