"""The lesson's experiment: its settings, its model, its optimizer and its data, on either engine.

The engine is passed in as a module, ``gradstep`` or ``torch``: both have
``nn.Sequential``, ``nn.Linear``, ``optim.SGD``, ``utils.data.DataLoader``..., so
the same lines build the same network on each.
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

ENGINES = {"numpy": "gradstep", "torch": "torch"}
"""``--engine`` names and the module each one means."""

DEFAULT_LEARNING_RATES = {"sgd": 0.15, "adam": 0.001}
"""The lesson's rate for SGD; Adam scales its own steps and would overshoot at 0.15."""
OPTIMIZERS = tuple(DEFAULT_LEARNING_RATES)
LR_SCHEDULES = ("constant", "cosine")
"""``cosine`` anneals the learning rate to 0 over the run's epochs (``CosineAnnealingLR``)."""
IMAGE_SIZE = 28 * 28
NUM_CLASSES = 10


@dataclass(frozen=True)
class LessonConfig:
    """Everything that decides what a training run computes.

    The defaults are the lesson's. Without ``lr`` the optimizer's usual rate
    is used, from ``DEFAULT_LEARNING_RATES``. ``train_size`` trains on only
    the first images of the training set, for quick runs.

    Example:
        >>> config = LessonConfig(hidden=(256, 128), epochs=1)
        >>> config.lr, LessonConfig(optimizer="adam").lr
        (0.15, 0.001)
        >>> LessonConfig.from_dict(config.to_dict()) == config
        True
    """

    engine: str = "numpy"
    hidden: tuple[int, ...] = (128,)
    optimizer: str = "sgd"
    lr: float | None = None
    momentum: float = 0.8
    batch_size: int = 128
    epochs: int = 5
    seed: int = 420
    train_size: int | None = None
    lr_schedule: str = "constant"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, not {self.lr_schedule!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        for name, count in (("batch_size", self.batch_size), ("epochs", self.epochs), ("train_size", self.train_size)):
            if count is not None and count < 1:
                raise ValueError(f"{name} must be at least 1, not {count}")
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden sizes must be positive numbers, not {self.hidden}")
        if self.lr is None:
            # Frozen dataclasses can only be completed this way, once, while being made.
            object.__setattr__(self, "lr", DEFAULT_LEARNING_RATES[self.optimizer])
        if not self.lr > 0:
            raise ValueError(f"the learning rate must be positive, not {self.lr}")

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LessonConfig:
        return cls(**{**values, "hidden": tuple(values["hidden"])})

    def load_engine(self) -> ModuleType:
        """Import the engine this run uses (PyTorch only when asked for)."""
        return importlib.import_module(ENGINES[self.engine])


def build_model(engine: ModuleType, hidden: tuple[int, ...] = (128,)) -> Any:
    """The lesson's network: flatten the image, hidden Linear+ReLU layers, 10 log-probabilities.

    Example:
        >>> import gradstep
        >>> build_model(gradstep, hidden=(128,))  # doctest: +NORMALIZE_WHITESPACE
        Sequential(
          (0): Flatten(start_dim=1, end_dim=-1)
          (1): Linear(in_features=784, out_features=128, bias=False)
          (2): ReLU()
          (3): Linear(in_features=128, out_features=10, bias=False)
          (4): LogSoftmax(dim=1)
        )
    """
    nn = engine.nn
    sizes = [IMAGE_SIZE, *hidden]
    layers = [nn.Flatten()]
    for inputs, outputs in zip(sizes, sizes[1:]):
        layers += [nn.Linear(inputs, outputs, bias=False), nn.ReLU()]
    layers += [nn.Linear(sizes[-1], NUM_CLASSES, bias=False), nn.LogSoftmax(dim=1)]
    return nn.Sequential(*layers)


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


def make_train_loader(engine: ModuleType, train_set: Any, config: LessonConfig) -> Any:
    """Batches of the training set, reshuffled every epoch by a generator seeded with ``config.seed``.

    ``train_set`` is a ``gradstep.datasets.FashionMNIST``. gradstep loads batches
    straight from it; PyTorch gets a ``TensorDataset`` of the same pixels,
    scaled to [0, 1] the same way.

    Example:
        >>> import gradstep
        >>> from gradstep.datasets import FashionMNIST
        >>> loader = make_train_loader(gradstep, FashionMNIST(train=True), LessonConfig(train_size=1000))
        >>> len(loader), len(loader.dataset)
        (8, 1000)
    """
    generator = engine.Generator()
    generator.manual_seed(config.seed)
    data = engine.utils.data
    if engine.__name__ == "gradstep":
        dataset = train_set
        if config.train_size is not None:
            dataset = data.Subset(train_set, range(min(config.train_size, len(train_set))))
    else:
        dataset = _tensor_dataset(engine, train_set, config.train_size)
    return data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True, generator=generator)


def make_test_loader(engine: ModuleType, test_set: Any) -> Any:
    """Batches of the test set, in order; the batch size only changes the speed."""
    dataset = test_set if engine.__name__ == "gradstep" else _tensor_dataset(engine, test_set)
    return engine.utils.data.DataLoader(dataset, batch_size=1000)


def _tensor_dataset(engine: ModuleType, dataset: Any, size: int | None = None) -> Any:
    """A ``TensorDataset`` of the engine's tensors, with the pixels scaled as gradstep scales them."""
    pixels = np.asarray(dataset.data.numpy())[:size]
    labels = np.asarray(dataset.targets.numpy())[:size]
    images = np.divide(pixels, 255, dtype=np.float32)[:, np.newaxis]
    return engine.utils.data.TensorDataset(engine.from_numpy(images), engine.from_numpy(labels))
