"""A live training run on Fashion-MNIST: the same steps as ``gradstep train``, reported as they happen.

:func:`train_live` trains and hands every measurement to an ``emit(event,
data)`` function as soon as it is made: the loss and accuracy of the last few
batches, the first layer's weights as pictures, and after each epoch the
validation accuracy, the confusion matrix and the predictions for a few test
images. Between two batches it asks its :class:`Control` whether to pause or
stop. The playground runs it in a worker process of its own
(``gradstep.playground.worker``), one per page, so that pages train side by side.

The validation images are the last 10,000 of the training set, never trained
on: training uses at most the first 50,000.

Example:
    >>> events = []
    >>> settings = TrainingSettings(hidden=(16,), epochs=1, train_size=500)
    >>> train_live(settings, lambda event, data: events.append(event), Control())  # doctest: +SKIP
    >>> events[0], events[-1]  # doctest: +SKIP
    ('started', 'finished')
"""
from __future__ import annotations

import base64
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

import gradstep
from gradstep.playground.inputs import read_choice, read_integer, read_number, read_sizes
from gradstep.playground.networks import NETWORKS
from gradstep.train.models import first_layer_images

TRAINING_IMAGES = 50_000
"""Training draws from the first 50,000 images; the last 10,000 are the validation set."""
EXAMPLES = 24
"""How many test images the page shows with the network's guesses."""
POINTS_PER_EPOCH = 40
"""About how many loss and accuracy points each epoch adds to the page's chart."""
SECONDS_BETWEEN_PICTURES = 0.3
"""How often the first layer's weights are sent while training: often enough to watch them change."""

OPTIMIZERS: dict[str, Callable[[Any, TrainingSettings], Any]] = {
    "sgd": lambda parameters, settings: gradstep.optim.SGD(parameters, lr=settings.lr, momentum=settings.momentum),
    "adam": lambda parameters, settings: gradstep.optim.Adam(parameters, lr=settings.lr),
}


@dataclass(frozen=True)
class TrainingSettings:
    """The knobs of a run; the defaults are the lesson's (its 60,000 images less the validation set)."""

    network: str = "mlp"
    hidden: tuple[int, ...] = (128,)
    optimizer: str = "sgd"
    lr: float = 0.15
    momentum: float = 0.8
    batch_size: int = 128
    epochs: int = 5
    train_size: int = TRAINING_IMAGES
    seed: int = 420

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "hidden": list(self.hidden)}


def read_settings(values: Mapping[str, Any]) -> TrainingSettings:
    """The settings a page asked for, each checked (:class:`~gradstep.playground.inputs.BadInput` if wrong).

    Example:
        >>> read_settings({"hidden": "64,32", "lr": "0.05"}).hidden
        (64, 32)
    """
    default = TrainingSettings()
    return TrainingSettings(
        network=read_choice(values, "network", list(NETWORKS), default=default.network),
        # 4 layers of 2048 is about 14 million weights: slow, but it fits in memory and can be stopped.
        hidden=read_sizes(values, "hidden", default=default.hidden, most_layers=4, largest=2048),
        optimizer=read_choice(values, "optimizer", list(OPTIMIZERS), default=default.optimizer),
        lr=read_number(values, "lr", default=default.lr, above=0, at_most=1e6),
        momentum=read_number(values, "momentum", default=default.momentum, at_least=0, below=1),
        batch_size=read_integer(values, "batch_size", default=default.batch_size, at_least=1, at_most=10_000),
        epochs=read_integer(values, "epochs", default=default.epochs, at_least=1, at_most=50),
        train_size=read_integer(values, "train_size", default=default.train_size, at_least=1, at_most=TRAINING_IMAGES),
        seed=read_integer(values, "seed", default=default.seed, at_least=0, at_most=2**31 - 1),
    )


class Control:
    """Pause, resume and stop, asked for from another thread and obeyed between two batches."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stopped = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stopped.set()
        self._running.set()  # a paused run wakes up to stop

    def keep_going(self) -> bool:
        """Wait while paused; then whether to go on (``False`` once stopped)."""
        self._running.wait()
        return not self._stopped.is_set()


def train_live(settings: TrainingSettings, emit: Callable[[str, dict], None], control: Control) -> None:
    """Train as ``settings`` say, emitting what happens; returns when done, stopped or diverged.

    The events, in order: ``started``, then ``progress`` (every few batches) and
    ``weights`` (every few tenths of a second) while training, ``epoch`` and
    ``predictions`` after each epoch, and last ``finished`` (done or stopped) or
    ``diverged`` (the loss became NaN or infinite: at which step).
    """
    from gradstep.datasets import FashionMNIST
    from gradstep.train.evaluation import evaluate, predict_probabilities
    from gradstep.utils.data import DataLoader, Subset

    started = time.perf_counter()
    gradstep.manual_seed(settings.seed)
    model = NETWORKS[settings.network].build(gradstep, settings.hidden)
    optimizer = OPTIMIZERS[settings.optimizer](model.parameters(), settings)
    # Cross-entropy takes raw scores; on the lesson's log-probabilities it is the lesson's NLLLoss, since
    # log_softmax leaves log-probabilities as they are. So one loss fits networks with either output.
    loss_fn = gradstep.nn.CrossEntropyLoss()

    train_set, test_set = FashionMNIST(train=True), FashionMNIST(train=False)
    loader = DataLoader(Subset(train_set, range(settings.train_size)), batch_size=settings.batch_size,
                        shuffle=True, generator=gradstep.Generator().manual_seed(settings.seed))
    validation = DataLoader(Subset(train_set, range(TRAINING_IMAGES, len(train_set))), batch_size=1000)
    examples = test_set.data.numpy()[:EXAMPLES]
    steps_per_epoch = len(loader)
    emit("started", {
        "settings": settings.to_json(),
        "steps_per_epoch": steps_per_epoch,
        "examples": _pixels(examples),
        "example_labels": test_set.targets.numpy()[:EXAMPLES].tolist(),
        "parameters": sum(parameter.numel() for parameter in model.parameters()),
        "seconds": time.perf_counter() - started,
    })
    report_every = max(1, round(steps_per_epoch / POINTS_PER_EPOCH))
    last_picture = -math.inf
    step = 0
    # Weights that blow up make NumPy warn at every op on the way to a NaN loss; the check below reports it once.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, settings.epochs + 1):
            model.train()
            loss_sum = correct = samples = 0.0
            for batch, (images, labels) in enumerate(loader, start=1):
                if not control.keep_going():
                    emit("finished", {"reason": "stopped", "step": step, "seconds": time.perf_counter() - started})
                    return
                step += 1
                optimizer.zero_grad()
                output = model(images)
                loss = loss_fn(output, labels)
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    emit("diverged", {"step": step, "epoch": epoch, "loss": str(loss_value)})
                    return
                loss.backward()
                optimizer.step()
                loss_sum += loss_value * len(labels)
                correct += (output.argmax(1) == labels).sum().item()
                samples += len(labels)
                if batch % report_every == 0 or batch == steps_per_epoch:
                    emit("progress", {"step": step, "epoch": epoch, "epochs": step / steps_per_epoch,
                                      "loss": loss_sum / samples, "accuracy": correct / samples})
                    loss_sum = correct = samples = 0.0
                if time.perf_counter() - last_picture > SECONDS_BETWEEN_PICTURES:
                    emit("weights", _weight_pictures(model))
                    last_picture = time.perf_counter()
            measured = evaluate(model, validation, loss_fn)
            emit("epoch", {"epoch": epoch, "step": step, "val_loss": measured.loss,
                           "val_accuracy": measured.accuracy, "confusion": measured.confusion_matrix.tolist()})
            probabilities = predict_probabilities(model, examples[:, None].astype(np.float32) / 255)
            emit("predictions", {"epoch": epoch, "labels": probabilities.argmax(1).tolist(),
                                 "confidence": probabilities.max(1).round(3).tolist()})
            emit("weights", _weight_pictures(model))
    emit("finished", {"reason": "done", "step": step, "seconds": time.perf_counter() - started})


def _pixels(images: np.ndarray) -> dict[str, Any]:
    """Grey images (0 to 255) as the page decodes them: their shape and their bytes in base64."""
    return {"shape": list(images.shape), "base64": base64.b64encode(np.ascontiguousarray(images)).decode("ascii")}


def _weight_pictures(model: Any) -> dict[str, Any]:
    """The first layer's units as pictures: each scaled so that its largest weight, either sign, is ±127 around 128."""
    weights = first_layer_images(model)
    largest = np.abs(weights).max(axis=(1, 2), keepdims=True)
    scaled = 128 + 127 * weights / np.where(largest > 0, largest, 1)
    # Weights that have blown up are drawn as zero (grey): the loss check reports the divergence.
    return _pixels(np.round(np.nan_to_num(scaled, nan=128, posinf=255, neginf=1)).astype(np.uint8))
