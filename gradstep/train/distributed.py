"""Where the torch engine trains: on which device, and in how many processes.

One process is the usual case. ``torchrun --nproc-per-node N`` starts N copies
of the command and tells each its place through environment variables
(``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``).
Each copy then joins a process group (gloo on CPUs, nccl on GPUs), wraps its
model in ``DistributedDataParallel`` (which averages the gradients of all
processes during ``backward``, so every copy takes the same step), and trains
on its own share of each batch. The gradstep engine always runs in one process.
"""
from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

from gradstep.train.lesson import ConfigError

DEVICES = ("cpu", "cuda", "mps", "auto")
"""``--device`` names; ``auto`` picks a CUDA GPU, else Apple's GPU (mps), else the CPU."""


def process_count() -> int:
    """How many processes train together: ``WORLD_SIZE`` as torchrun sets it, else 1."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def process_rank() -> int:
    """This process's number among them, from 0; process 0 alone writes files and prints."""
    return int(os.environ.get("RANK", "0"))


def choose_device(engine: ModuleType, name: str | None) -> Any:
    """The device to train on: ``None`` for gradstep (always the CPU), a ``torch.device`` for PyTorch.

    Under torchrun, each process takes the GPU numbered by its ``LOCAL_RANK``.

    Raises:
        ConfigError: the device does not exist here, or gradstep was asked for a GPU.

    Example:
        >>> import torch
        >>> choose_device(torch, "cpu")
        device(type='cpu')
    """
    if engine.__name__ == "gradstep":
        if name not in (None, "cpu", "auto"):
            raise ConfigError(f"the numpy engine computes on the CPU only; --device {name} needs --engine torch")
        return None
    if name in (None, "auto"):
        name = "cuda" if engine.cuda.is_available() else "mps" if engine.backends.mps.is_available() else "cpu"
    available = {"cpu": True, "cuda": engine.cuda.is_available(), "mps": engine.backends.mps.is_available()}
    if not available.get(name, False):
        raise ConfigError(f"device {name!r} is not available on this machine (PyTorch {engine.__version__} "
                         f"sees: {', '.join(device for device, present in available.items() if present)})")
    if name == "cuda":
        return engine.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return engine.device(name)


def start_processes(engine: ModuleType, device: Any) -> None:
    """Join the other processes torchrun started, if it started more than one."""
    if process_count() == 1:
        return
    if engine.__name__ == "gradstep":
        raise ConfigError("the numpy engine trains in one process; under torchrun use --engine torch")
    if device.type == "cuda":
        engine.cuda.set_device(device)
    engine.distributed.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")


def stop_processes(engine: ModuleType) -> None:
    """Leave the process group, once training is over."""
    if _group_of(engine) is not None:
        engine.distributed.destroy_process_group()


def parallel(model: Any, engine: ModuleType, device: Any) -> Any:
    """``model`` wrapped in ``DistributedDataParallel`` when several processes train it, else ``model``.

    Wrapping copies process 0's weights to every process, so all start alike.
    """
    if _group_of(engine) is None:
        return model
    device_ids = [device.index] if device.type == "cuda" else None
    return engine.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def unwrap(model: Any) -> Any:
    """The model inside a ``DistributedDataParallel`` (its ``.module``), or ``model`` itself.

    Its state_dict names the weights as the model does, without the wrapper's ``module.`` prefix.
    """
    torch = sys.modules.get("torch")  # without PyTorch imported, nothing can be wrapped
    if torch is not None and isinstance(model, torch.nn.parallel.DistributedDataParallel):
        return model.module
    return model


def sum_over_processes(engine: ModuleType, values: list[float], device: Any = None) -> list[float]:
    """Add ``values`` up across the processes training together; in one process, ``values`` as they are.

    Example:
        >>> import gradstep
        >>> sum_over_processes(gradstep, [128.0, 0.5])
        [128.0, 0.5]
    """
    if _group_of(engine) is None:
        return values
    totals = engine.tensor(values, dtype=engine.float64, device=device)
    engine.distributed.all_reduce(totals)
    return totals.tolist()


def all_agree(engine: ModuleType, ok: bool, device: Any = None) -> bool:
    """Whether every process says ``ok``; each must call it, so that none goes on alone."""
    (refusals,) = sum_over_processes(engine, [0.0 if ok else 1.0], device)
    return refusals == 0.0


def _group_of(engine: ModuleType) -> Any:
    distributed = getattr(engine, "distributed", None)
    if distributed is None or not distributed.is_available() or not distributed.is_initialized():
        return None
    return distributed.group.WORLD
