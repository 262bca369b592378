"""A complete lesson run: build it, train it, test it, and keep everything in one folder.

The folder holds ``checkpoint.npz`` (everything needed to resume),
``model.safetensors`` (the weights, for ``gradstep eval``, ``gradstep predict``
and PyTorch), ``metrics.json``, ``history.csv`` and three pictures:
``curves.png``, ``confusion_matrix.png`` and ``predictions.png``. Every file
is written atomically.

Everything that can fail because of the settings or the data (an engine that
is not installed, a missing file, a network too large) fails in
:func:`prepare_run`, before any file is written.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from gradstep.atomic import atomic_write
from gradstep.datasets import FashionMNIST
from gradstep.i18n import translator
from gradstep.serialization import CheckpointError
from gradstep.train.checkpoint import TrainingCheckpoint, check_state_dict
from gradstep.train.distributed import (
    choose_device, parallel, process_count, process_rank, start_processes, unwrap,
)
from gradstep.train.evaluation import Evaluation, evaluate, feature_maps, predict_probabilities
from gradstep.train.history import History
from gradstep.train.lesson import (
    ConfigError, LessonConfig, build_model, build_optimizer, build_scheduler, load_engine, make_eval_loader,
    make_train_loader, split_training_images,
)
from gradstep.train.loop import fit
from gradstep.train.models import first_layer_images, first_layer_weight
from gradstep.train.weights import load_weights

CHECKPOINT_NAME = "checkpoint.npz"
WEIGHTS_NAME = "model.safetensors"
PREDICTION_GRID_SIZE = 24
FIRST_LAYER_UNITS = 32
"""The first layer's units drawn in first_layer.png: all of the CNN's 32 kernels, 32 of the MLP's 128 units."""
FEATURE_MAP_IMAGES = 4
"""Test images whose feature maps feature_maps.png shows (for a network that starts with a convolution)."""


@dataclass
class LessonRun:
    """A run ready to train: everything built from its settings, nothing written yet.

    ``model`` is wrapped in ``DistributedDataParallel`` when several processes
    train together; ``val_loader`` is None without a validation split.
    """

    config: LessonConfig
    engine: ModuleType
    device: Any
    model: Any
    optimizer: Any
    scheduler: Any
    loss_fn: Any
    train_loader: Any
    val_loader: Any
    test_loader: Any
    test_set: FashionMNIST


@dataclass(frozen=True)
class TrainedModel:
    """A model rebuilt from a weights file, with the settings it was trained with."""

    model: Any
    config: LessonConfig


def prepare_run(config: LessonConfig, *, data_dir: str | os.PathLike | None = None, device: str | None = None
                ) -> LessonRun:
    """Import the engine, read the data and build the model, optimizer and loaders that ``config`` asks for.

    ``data_dir`` is read and never written: a file missing from it is an error
    naming it (without ``data_dir``, the copy shipped with gradstep is used).
    ``device`` is a ``--device`` name, for the torch engine. Under ``torchrun``
    this joins the other processes.

    Raises:
        ConfigError: the engine is not installed, the device does not exist, or the sizes do not fit the data.
        DatasetError: a data file is missing or damaged.
        ModelTooLarge: the network would have more than ``MAX_PARAMETERS`` weights.
    """
    engine = config.load_engine()
    where = choose_device(engine, device)
    engine.manual_seed(config.seed)
    model = build_model(engine, config.hidden, config.model)
    download = data_dir is None
    train_set = FashionMNIST(root=data_dir, train=True, download=download)
    test_set = FashionMNIST(root=data_dir, train=False, download=download)
    train_indices, val_indices = split_training_images(len(train_set), config)
    start_processes(engine, where)
    if where is not None:
        model = model.to(where)
    model = parallel(model, engine, where)
    optimizer = build_optimizer(engine, model, config)
    return LessonRun(
        config=config,
        engine=engine,
        device=where,
        model=model,
        optimizer=optimizer,
        scheduler=build_scheduler(engine, optimizer, config),
        loss_fn=engine.nn.NLLLoss(),
        train_loader=make_train_loader(engine, train_set, train_indices, config, processes=process_count(),
                                       rank=process_rank()),
        val_loader=make_eval_loader(engine, train_set, val_indices) if val_indices is not None else None,
        test_loader=make_eval_loader(engine, test_set),
        test_set=test_set,
    )


def train_run(run: LessonRun, folder: Path | None, *, resume_from: Path | None = None, log_format: str = "bar",
              lang: str = "en") -> dict[str, Any]:
    """Train ``run``, then test it once, writing every file of the run into ``folder``.

    With ``resume_from``, a checkpoint, training continues where it stopped.
    Without a validation split, the model is measured on the test set after
    every epoch and the history's columns say so (``test_loss``,
    ``test_accuracy``). Only one process writes: the others of a ``torchrun``
    are given ``folder=None``. The pictures' text is in ``lang`` ("en" or
    "zh-CN"). Returns the metrics also written to ``metrics.json``.

    Example:
        >>> run = prepare_run(LessonConfig(epochs=1, train_size=512))  # doctest: +SKIP
        >>> train_run(run, Path("runs/quick"))["test_accuracy"]  # doctest: +SKIP
        0.62
    """
    config = run.config
    held_out = "val" if run.val_loader is not None else "test"
    checkpoint = folder / CHECKPOINT_NAME if folder is not None else None
    history = fit(
        run.model, run.train_loader, epochs=config.epochs, optimizer=run.optimizer, loss_fn=run.loss_fn,
        val_loader=run.val_loader if run.val_loader is not None else run.test_loader,
        log_format=log_format, checkpoint_path=checkpoint,
        weights_path=folder / WEIGHTS_NAME if folder is not None else None,
        resume_from=resume_from,
        config=config.to_dict(), scheduler=run.scheduler, device=run.device, held_out=held_out,
    )
    model = unwrap(run.model)
    test = evaluate(model, run.test_loader, run.loss_fn, run.device)
    metrics = {
        "test_accuracy": test.accuracy,
        "test_loss": test.loss,
        **({"val_accuracy": history[-1].val_accuracy, "val_loss": history[-1].val_loss} if held_out == "val" else {}),
        "epoch_seconds": history.column("seconds"),
        "config": config.to_dict(),
        "engine": config.engine,
        "device": str(run.device or "cpu"),
        "processes": process_count(),
        "versions": _versions(run.engine),
    }
    if folder is not None:
        history.to_csv(folder / "history.csv", held_out=held_out)
        with atomic_write(folder / "metrics.json") as file:
            file.write((json.dumps(metrics, indent=2) + "\n").encode())
        _draw_pictures(model, history, held_out, test, run.test_set, folder, lang)
    return metrics


def read_config(checkpoint: str | os.PathLike) -> LessonConfig:
    """The settings a lesson checkpoint was trained with."""
    saved = TrainingCheckpoint.load(checkpoint, tensor_from_numpy=np.asarray)
    try:
        return LessonConfig.from_dict(saved.config)
    except ConfigError as error:
        raise CheckpointError(f"{checkpoint}: holds no valid lesson settings ({error})") from error


def load_trained_model(path: str | os.PathLike, engine_name: str | None = None) -> TrainedModel:
    """Rebuild the model saved in a run's ``model.safetensors`` (``path`` is the file or its run folder).

    The model runs on ``engine_name`` (``"numpy"`` or ``"torch"``), by default
    the engine it was trained with: the weights are the same numbers for both.
    """
    path = Path(path)
    weights_file = path / WEIGHTS_NAME if path.is_dir() else path
    arrays, saved_config = load_weights(weights_file)
    if saved_config is None:
        raise CheckpointError(f"{weights_file}: records no gradstep settings, so the network to load it into "
                              "is unknown; give the model.safetensors of a gradstep train run")
    try:
        config = LessonConfig.from_dict(saved_config)
    except ConfigError as error:
        raise CheckpointError(f"{weights_file}: holds no valid lesson settings ({error})") from error
    engine = load_engine(engine_name or config.engine)
    model = build_model(engine, config.hidden, config.model)
    check_state_dict(arrays, model, weights_file)
    model.load_state_dict({name: engine.from_numpy(array) for name, array in arrays.items()})
    model.eval()
    return TrainedModel(model, config)


def _draw_pictures(model: Any, history: History, held_out: str, test: Evaluation, test_set: Any, folder: Path,
                   lang: str) -> None:
    from gradstep.plots import plot_confusion_matrix, plot_curves, plot_predictions

    tr = translator(lang)
    class_names = [tr(name) for name in test_set.classes]
    plot_curves(history, folder / "curves.png", val_label=tr("validation") if held_out == "val" else tr("test"),
                lang=lang)
    plot_confusion_matrix(test.confusion_matrix, class_names, folder / "confusion_matrix.png", lang=lang)
    images, labels = test_set.__getitems__(range(PREDICTION_GRID_SIZE))
    images, labels = np.asarray(images.numpy()), np.asarray(labels.numpy())
    predicted = predict_probabilities(model, images).argmax(axis=1)
    plot_predictions(images, labels, predicted, class_names, folder / "predictions.png", lang=lang)
    shown = slice(FEATURE_MAP_IMAGES)
    _draw_first_layer(model, images[shown], [class_names[label] for label in labels[shown]], folder, lang)


def _draw_first_layer(model: Any, images: np.ndarray, names: list[str], folder: Path, lang: str) -> None:
    """What the first layer learned: its units' weights as pictures and, for a CNN, what they see in a few images."""
    from gradstep.plots import plot_feature_maps, plot_filters

    tr = translator(lang)
    units = first_layer_images(model, count=FIRST_LAYER_UNITS)
    first_weight = first_layer_weight(model)
    if first_weight.ndim == 2:  # an MLP: each unit weighs every pixel of the image
        plot_filters(units, tr("The MLP's first layer: {count} of its {units} units, one 28×28 weight image each",
                               count=len(units), units=len(first_weight)), folder / "first_layer.png")
        return
    plot_filters(units, tr("The CNN's first layer: {count} kernels of {height}×{width}, applied everywhere",
                           count=len(units), height=units.shape[1], width=units.shape[2]), folder / "first_layer.png")
    plot_feature_maps(images, feature_maps(model, images), names, folder / "feature_maps.png", lang=lang)


def _versions(engine: Any) -> dict[str, str]:
    import gradstep

    versions = {"python": platform.python_version(), "numpy": np.__version__, "gradstep": gradstep.__version__}
    if engine.__name__ == "torch":
        versions["torch"] = engine.__version__
    return versions
