"""Run `gradstep` and kill it with SIGKILL at a chosen point, as a crash or `kill -9` would.

    python kill_driver.py POINT COUNT gradstep-arguments...

POINT is where the kill happens, on its COUNT-th time there:
  batch       while training a batch (before its weights are updated)
  evaluation  while measuring the model after an epoch, after its first batch
  checkpoint  half-way through writing checkpoint.npz
  weights     half-way through writing model.safetensors
  history     half-way through writing history.csv
  picture     half-way through writing a picture
"""
import os
import signal
import sys
from contextlib import contextmanager

import gradstep.atomic
import gradstep.plots.figure
import gradstep.serialization
import gradstep.train.history
import gradstep.train.loop
import gradstep.train.weights
from gradstep.cli import main

point, count, arguments = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
calls = 0


def is_time() -> bool:
    global calls
    calls += 1
    return calls == count


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_in(function):
    def replacement(*args, **kwargs):
        if is_time():
            die()
        return function(*args, **kwargs)

    return replacement


@contextmanager
def half_written_then_killed(target):
    """atomic_write, except that on the chosen call half of the file is written and flushed, then the process dies."""
    with gradstep.atomic.atomic_write(target) as file:
        if not is_time():
            yield file
            return

        class Half:
            """The temporary file, except that its first write is cut in half and then the process dies."""

            def __getattr__(self, name):
                return getattr(file, name)

            def write(self, data):
                file.write(bytes(data)[: max(1, len(data) // 2)])
                file.flush()
                os.fsync(file.fileno())
                die()

        yield Half()


if point == "batch":
    gradstep.train.loop.sum_over_processes = kill_in(gradstep.train.loop.sum_over_processes)
elif point == "evaluation":
    real_evaluate = gradstep.train.loop.evaluate

    def evaluate_then_die(model, loader, *args):
        if not is_time():
            return real_evaluate(model, loader, *args)

        def first_batch_then_die():
            for batch in loader:
                yield batch
                die()

        return real_evaluate(model, first_batch_then_die(), *args)

    gradstep.train.loop.evaluate = evaluate_then_die
elif point == "checkpoint":
    gradstep.serialization.atomic_write = half_written_then_killed
elif point == "weights":
    gradstep.train.weights.atomic_write = half_written_then_killed
elif point == "history":
    gradstep.train.history.atomic_write = half_written_then_killed
elif point == "picture":
    gradstep.plots.figure.atomic_write = half_written_then_killed
else:
    sys.exit(f"unknown point {point!r}")

sys.exit(main(arguments))
