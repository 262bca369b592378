"""A complete lesson run: train, test, and keep everything in one folder.

The folder holds ``checkpoint.npz`` (to resume, evaluate or predict),
``metrics.json``, ``history.csv`` and three pictures: ``curves.png``,
``confusion_matrix.png`` and ``predictions.png``.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gradstep.datasets import FashionMNIST
from gradstep.i18n import translator
from gradstep.serialization import CheckpointError
from gradstep.train.checkpoint import TrainingCheckpoint
from gradstep.train.evaluation import Evaluation, evaluate, predict_probabilities
from gradstep.train.lesson import (
    LessonConfig, build_model, build_optimizer, build_scheduler, make_test_loader, make_train_loader,
)
from gradstep.train.loop import fit

CHECKPOINT_NAME = "checkpoint.npz"
PREDICTION_GRID_SIZE = 24


@dataclass(frozen=True)
class TrainedModel:
    """A model rebuilt from a checkpoint, with the settings it was trained with."""

    model: Any
    config: LessonConfig


def train_lesson(
    config: LessonConfig,
    out_dir: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    resume: bool = False,
    log_format: str = "bar",
    lang: str = "en",
) -> dict[str, Any]:
    """Train the lesson's model as ``config`` says and write the run's files to ``out_dir``.

    With ``resume``, training continues from ``out_dir/checkpoint.npz``. Returns
    the metrics also written to ``metrics.json``. The pictures' text is in ``lang``
    ("en" or "zh-CN").

    Example:
        >>> metrics = train_lesson(LessonConfig(epochs=1, train_size=512), "runs/quick")  # doctest: +SKIP
        >>> metrics["test_accuracy"]  # doctest: +SKIP
        0.62
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = config.load_engine()
    engine.manual_seed(config.seed)
    model = build_model(engine, config.hidden)
    optimizer = build_optimizer(engine, model, config)
    loss_fn = engine.nn.NLLLoss()
    test_set = FashionMNIST(root=data_dir, train=False)
    test_batches = make_test_loader(engine, test_set)

    checkpoint = out_dir / CHECKPOINT_NAME
    history = fit(
        model, make_train_loader(engine, FashionMNIST(root=data_dir, train=True), config),
        epochs=config.epochs, optimizer=optimizer, loss_fn=loss_fn, val_loader=test_batches,
        log_format=log_format, checkpoint_path=checkpoint, resume_from=checkpoint if resume else None,
        config=config.to_dict(), scheduler=build_scheduler(engine, optimizer, config),
    )
    test = evaluate(model, test_batches, loss_fn)

    history.to_csv(out_dir / "history.csv")
    metrics = {
        "test_accuracy": test.accuracy,
        "test_loss": test.loss,
        "epoch_seconds": history.column("seconds"),
        "config": config.to_dict(),
        "engine": config.engine,
        "versions": _versions(engine),
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    _draw_pictures(model, history, test, test_set, out_dir, lang)
    return metrics


def load_trained_model(checkpoint: str | os.PathLike) -> TrainedModel:
    """Rebuild the model saved in a lesson checkpoint, on the engine it was trained with."""
    saved = TrainingCheckpoint.load(checkpoint, tensor_from_numpy=np.asarray)
    config = _lesson_config(saved, checkpoint)
    engine = config.load_engine()
    model = build_model(engine, config.hidden)
    model.load_state_dict({name: engine.from_numpy(array) for name, array in saved.model_state.items()})
    model.eval()
    return TrainedModel(model, config)


def checkpoint_file(path: str | os.PathLike) -> Path:
    """The checkpoint that ``path`` means: a run's folder stands for the checkpoint inside it."""
    path = Path(path)
    return path / CHECKPOINT_NAME if path.is_dir() else path


def read_config(checkpoint: str | os.PathLike) -> LessonConfig:
    """The settings a lesson checkpoint was trained with."""
    return _lesson_config(TrainingCheckpoint.load(checkpoint, tensor_from_numpy=np.asarray), checkpoint)


def _lesson_config(saved: TrainingCheckpoint, checkpoint: str | os.PathLike) -> LessonConfig:
    try:
        return LessonConfig.from_dict(saved.config)
    except (TypeError, ValueError, KeyError) as error:
        raise CheckpointError(f"{checkpoint}: holds no valid lesson settings ({error})") from error


def _draw_pictures(model: Any, history: Any, test: Evaluation, test_set: Any, out_dir: Path, lang: str) -> None:
    from gradstep.plots import plot_confusion_matrix, plot_curves, plot_predictions

    tr = translator(lang)
    class_names = [tr(name) for name in test_set.classes]
    plot_curves(history, out_dir / "curves.png", val_label=tr("test"), lang=lang)
    plot_confusion_matrix(test.confusion_matrix, class_names, out_dir / "confusion_matrix.png", lang=lang)
    images, labels = test_set.__getitems__(range(PREDICTION_GRID_SIZE))
    images, labels = np.asarray(images.numpy()), np.asarray(labels.numpy())
    predicted = predict_probabilities(model, images).argmax(axis=1)
    plot_predictions(images, labels, predicted, class_names, out_dir / "predictions.png", lang=lang)


def _versions(engine: Any) -> dict[str, str]:
    import gradstep

    versions = {"python": platform.python_version(), "numpy": np.__version__, "gradstep": gradstep.__version__}
    if engine.__name__ == "torch":
        versions["torch"] = engine.__version__
    return versions
