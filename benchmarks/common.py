"""What every benchmark shares: the two engines, one thread budget, the lesson's MLP, timing.

Both engines run the same Python code; only the module passed as ``engine`` differs
(``gradstep`` or ``torch``), so a ratio compares the engines and nothing else.
"""
from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from types import ModuleType
from typing import Callable, Sequence

import numpy as np

THREADS = 2


def engines(threads: int = THREADS) -> dict[str, ModuleType]:
    """gradstep and PyTorch, both limited to the same number of threads."""
    import torch
    from threadpoolctl import threadpool_limits

    import gradstep

    torch.set_num_threads(threads)
    threadpool_limits(threads)  # NumPy's BLAS
    return {"gradstep": gradstep, "torch": torch}


def build_mlp(engine: ModuleType, sizes: Sequence[int], bias: bool = False):
    """Flatten → Linear → ReLU → … → Linear → LogSoftmax, the lesson's network for sizes (784, 128, 10)."""
    nn = engine.nn
    layers = [nn.Flatten()]
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out, bias=bias))
        layers.append(nn.ReLU() if i < len(sizes) - 2 else nn.LogSoftmax(dim=1))
    return nn.Sequential(*layers)


def fashion_mnist_arrays(train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 (N, 1, 28, 28) in [0, 1] and labels as int64, from the shipped files."""
    from gradstep.datasets import FashionMNIST

    dataset = FashionMNIST(train=train)
    images = dataset.data.numpy().astype(np.float32)[:, np.newaxis] / 255
    return images, dataset.targets.numpy()


def train_one_epoch(model, optimizer, loss_fn, batches) -> float:
    """The lesson's inner loop; returns the last batch's loss."""
    loss = None
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return float(loss.item())


def median_seconds_alternating(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Run each case ``repeats`` times, interleaved (a, b, a, b, …) so drift hits both alike."""
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, run in cases.items():
            start = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in timings.items()}


def versions() -> dict[str, str]:
    import platform

    import torch

    import gradstep

    return {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "gradstep": gradstep.__version__, "threads": str(THREADS)}


# A pure-Python busy loop that ends by itself when the benchmark that started it is gone.
# It is pinned to the last core the benchmark may use, so the load is the same from run to run.
_SPIN = ("import os, sys\nos.sched_setaffinity(0, {max(os.sched_getaffinity(0))})\nparent = int(sys.argv[1])\n"
         "while os.getppid() == parent:\n    pass\n")


@contextlib.contextmanager
def one_core_busy():
    """One more process spinning on one core while the block runs; it is stopped on the way out,
    whatever the way: an exception, Ctrl-C, or a SIGTERM that the caller turns into an exit (and if
    the benchmark is killed outright, the loop sees that its parent is gone and ends)."""
    spinner = subprocess.Popen([sys.executable, "-c", _SPIN, str(os.getpid())])
    try:
        time.sleep(0.2)  # let it start spinning
        yield
    finally:
        spinner.kill()
        spinner.wait()
