"""The lesson's experiment: its settings, its model, its optimizer and its data, on either engine.

The engine is passed in as a module, ``gradstep`` or ``torch``: both have
``nn.Sequential``, ``nn.Linear``, ``optim.SGD``, ``utils.data.DataLoader``..., so
the same lines build the same network on each.
"""
from __future__ import annotations

import dataclasses
import importlib
import math
from dataclasses import dataclass
from numbers import Real
from types import ModuleType
from typing import Any

import numpy as np

from gradstep.train.models import MODELS

ENGINES = {"numpy": "gradstep", "torch": "torch"}
"""``--engine`` names and the module each one means."""

DEFAULT_LEARNING_RATES = {"sgd": 0.15, "adam": 0.001}
"""The lesson's rate for SGD; Adam scales its own steps and would overshoot at 0.15."""
OPTIMIZERS = tuple(DEFAULT_LEARNING_RATES)
LR_SCHEDULES = ("constant", "cosine")
"""``cosine`` anneals the learning rate to 0 over the run's epochs (``CosineAnnealingLR``)."""
MAX_HIDDEN_LAYERS = 16
MAX_SEED = 2**63 - 1
EVAL_BATCH_SIZE = 1000
"""Batches for measuring, in order; the size only changes the speed."""


class ConfigError(ValueError):
    """The settings cannot make a run: a value of the wrong type or out of range, or an engine not installed.

    Example:
        >>> try:
        ...     LessonConfig(momentum=1.5)
        ... except ConfigError as error:
        ...     print(error)
        momentum must be at least 0 and less than 1 (at 1 or more the steps grow without bound), not 1.5
    """


@dataclass(frozen=True)
class LessonConfig:
    """Everything that decides what a training run computes.

    The defaults are the lesson's. Without ``lr`` the optimizer's usual rate
    is used, from ``DEFAULT_LEARNING_RATES``. ``model`` names a builder in
    ``gradstep.train.models.MODELS``. ``val_size`` holds that many training
    images out, chosen at random with ``seed``, to validate on after every
    epoch; ``train_size`` then trains on only the first images of the rest,
    for quick runs.

    Example:
        >>> config = LessonConfig(hidden=(256, 128), epochs=1)
        >>> config.lr, LessonConfig(optimizer="adam").lr
        (0.15, 0.001)
        >>> LessonConfig.from_dict(config.to_dict()) == config
        True
    """

    engine: str = "numpy"
    model: str = "mlp"
    hidden: tuple[int, ...] = (128,)
    optimizer: str = "sgd"
    lr: float | None = None
    momentum: float = 0.8
    batch_size: int = 128
    epochs: int = 5
    seed: int = 420
    train_size: int | None = None
    val_size: int | None = None
    lr_schedule: str = "constant"

    def __post_init__(self) -> None:
        for name, choices in (("engine", ENGINES), ("model", MODELS), ("optimizer", OPTIMIZERS),
                              ("lr_schedule", LR_SCHEDULES)):
            if getattr(self, name) not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {getattr(self, name)!r}")
        for name, least in (("batch_size", 1), ("epochs", 1), ("train_size", 1), ("val_size", 1), ("seed", 0)):
            value = getattr(self, name)
            if value is None and name in ("train_size", "val_size"):
                continue
            if not _is_int(value) or value < least:
                raise ConfigError(f"{name} must be a whole number, at least {least}, not {value!r}")
        if self.seed > MAX_SEED:
            raise ConfigError(f"seed must be less than 2**63, not {self.seed}")
        if not isinstance(self.hidden, tuple) or not 1 <= len(self.hidden) <= MAX_HIDDEN_LAYERS \
                or not all(_is_int(size) and size >= 1 for size in self.hidden):
            raise ConfigError(f"hidden must be 1 to {MAX_HIDDEN_LAYERS} positive sizes, not {self.hidden!r}")
        if self.lr is None:
            # Frozen dataclasses can only be completed this way, once, while being made.
            object.__setattr__(self, "lr", DEFAULT_LEARNING_RATES[self.optimizer])
        if not _is_real(self.lr) or not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"the learning rate must be a positive finite number, not {self.lr!r}")
        if not _is_real(self.momentum) or not 0 <= self.momentum < 1:
            raise ConfigError("momentum must be at least 0 and less than 1 "
                              f"(at 1 or more the steps grow without bound), not {self.momentum!r}")

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, values: Any) -> LessonConfig:
        """The settings saved by :meth:`to_dict`; anything else is a ``ConfigError`` saying what is wrong."""
        if not isinstance(values, dict):
            raise ConfigError(f"settings must be a dict, not {type(values).__name__}")
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(map(str, unknown)))}")
        hidden = values.get("hidden", cls.hidden)
        if not isinstance(hidden, (list, tuple)):
            raise ConfigError(f"hidden must be a list of sizes, not {hidden!r}")
        return cls(**{**values, "hidden": tuple(hidden)})

    def load_engine(self) -> ModuleType:
        """Import the engine this run uses (PyTorch only when asked for)."""
        return load_engine(self.engine)


def load_engine(name: str) -> ModuleType:
    """Import the module of the engine called ``name`` (``"numpy"`` or ``"torch"``).

    Example:
        >>> load_engine("numpy").__name__
        'gradstep'
    """
    try:
        return importlib.import_module(ENGINES[name])
    except ImportError as error:
        raise ConfigError(f"the {name} engine needs {ENGINES[name]}, which cannot be imported ({error}); "
                          "install it with: pip install 'gradstep[torch]'") from error


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def build_model(engine: ModuleType, hidden: tuple[int, ...] = (128,), name: str = "mlp") -> Any:
    """The network ``name`` from ``gradstep.train.models.MODELS``, by default the lesson's 784-128-10.

    Example:
        >>> import gradstep
        >>> [type(layer).__name__ for layer in build_model(gradstep)]
        ['Flatten', 'Linear', 'ReLU', 'Linear', 'LogSoftmax']
    """
    return MODELS[name](engine, hidden)


def build_optimizer(engine: ModuleType, model: Any, config: LessonConfig) -> Any:
    """SGD with momentum, as in the lesson, or Adam."""
    if config.optimizer == "adam":
        return engine.optim.Adam(model.parameters(), lr=config.lr)
    return engine.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)


def build_scheduler(engine: ModuleType, optimizer: Any, config: LessonConfig) -> Any:
    """The learning-rate schedule, stepped once per epoch; ``None`` keeps the rate constant.

    Example:
        >>> import gradstep
        >>> model = build_model(gradstep)
        >>> config = LessonConfig(lr_schedule="cosine", epochs=4)
        >>> scheduler = build_scheduler(gradstep, build_optimizer(gradstep, model, config), config)
        >>> [round(scheduler.step() or scheduler.get_last_lr()[0], 4) for _ in range(4)]
        [0.128, 0.075, 0.022, 0.0]
    """
    if config.lr_schedule == "constant":
        return None
    return engine.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)


def split_training_images(count: int, config: LessonConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """Which of ``count`` training images to train on, and which to validate on (None without ``val_size``).

    The validation images are ``val_size`` images drawn at random with
    ``seed``, the same on both engines. Training uses the rest, in their order,
    or only the first ``train_size`` of them.

    Example:
        >>> train, validation = split_training_images(10, LessonConfig(val_size=3, train_size=4))
        >>> len(train), len(validation), set(train) & set(validation)
        (4, 3, set())
    """
    train, validation = np.arange(count), None
    if config.val_size is not None:
        if config.val_size >= count:
            raise ConfigError(f"val_size {config.val_size} leaves nothing to train on: there are {count} "
                              "training images")
        order = np.random.default_rng(config.seed).permutation(count)
        validation, train = np.sort(order[:config.val_size]), np.sort(order[config.val_size:])
    if config.train_size is not None:
        if config.train_size > len(train):
            left = " left after the validation images" if validation is not None else ""
            raise ConfigError(f"train_size {config.train_size} is more than the {len(train)} training images{left}")
        train = train[:config.train_size]
    return train, validation


def make_train_loader(
    engine: ModuleType, train_set: Any, indices: np.ndarray, config: LessonConfig, *, processes: int = 1, rank: int = 0
) -> Any:
    """Batches of the training images at ``indices``, reshuffled every epoch, reproducibly from ``config.seed``.

    ``train_set`` is a ``gradstep.datasets.FashionMNIST``. gradstep loads batches
    straight from it, shuffled by a generator seeded with ``config.seed``.
    PyTorch gets a ``TensorDataset`` of the same pixels, scaled to [0, 1] the
    same way, shuffled by a ``DistributedSampler`` seeded with ``config.seed``:
    in one process or ``processes`` of them (``torchrun``), where process
    ``rank`` gets every ``processes``-th image and ``batch_size / processes`` of
    each batch. Together the processes then train on the same batches, for each
    epoch (the sampler's ``set_epoch``), as one process does.

    Example:
        >>> import gradstep
        >>> from gradstep.datasets import FashionMNIST
        >>> loader = make_train_loader(gradstep, FashionMNIST(train=True), np.arange(1000), LessonConfig())
        >>> len(loader), len(loader.dataset)
        (8, 1000)
    """
    data = engine.utils.data
    if engine.__name__ == "gradstep":
        generator = engine.Generator()
        generator.manual_seed(config.seed)
        dataset = data.Subset(train_set, indices) if len(indices) < len(train_set) else train_set
        return data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True, generator=generator)
    if config.batch_size % processes:
        raise ConfigError(f"batch_size {config.batch_size} cannot be shared by {processes} processes: "
                          "give a multiple of their number")
    dataset = _tensor_dataset(engine, train_set, indices)
    sampler = data.distributed.DistributedSampler(dataset, num_replicas=processes, rank=rank, shuffle=True,
                                                  seed=config.seed)
    return data.DataLoader(dataset, batch_size=config.batch_size // processes, sampler=sampler)


def make_eval_loader(engine: ModuleType, dataset: Any, indices: np.ndarray | None = None) -> Any:
    """Batches of ``dataset`` (only the images at ``indices``, if given), in order, to measure a model on."""
    if engine.__name__ == "gradstep":
        if indices is not None:
            dataset = engine.utils.data.Subset(dataset, indices)
    else:
        dataset = _tensor_dataset(engine, dataset, indices)
    return engine.utils.data.DataLoader(dataset, batch_size=EVAL_BATCH_SIZE)


def _tensor_dataset(engine: ModuleType, dataset: Any, indices: np.ndarray | None = None) -> Any:
    """A ``TensorDataset`` of the engine's tensors, with the pixels scaled as gradstep scales them."""
    pixels = np.asarray(dataset.data.numpy())
    labels = np.asarray(dataset.targets.numpy())
    if indices is not None:
        pixels, labels = pixels[indices], labels[indices]
    images = np.divide(pixels, 255, dtype=np.float32)[:, np.newaxis]
    return engine.utils.data.TensorDataset(engine.from_numpy(images), engine.from_numpy(labels))
