"""Measure what reading a crafted file costs: memory allocated and CPU time spent, with generous bounds."""
import resource
import signal
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

MB = 1 << 20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def costs_at_most(megabytes: float, cpu: float = 10.0) -> Iterator[None]:
    """Fail unless the block allocates (Python and NumPy memory) at most `megabytes` and spends at most `cpu` seconds.

    CPU time, not wall time, so a busy machine does not make it fail; the bounds
    are far above what bounded reading costs and far below what unbounded reading did.
    """
    tracemalloc.start()
    start = cpu_seconds()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    spent = cpu_seconds() - start
    assert peak <= megabytes * MB, f"allocated {peak / MB:.1f} MB, expected at most {megabytes} MB"
    assert spent <= cpu, f"spent {spent:.1f} s of CPU, expected at most {cpu} s"


@contextmanager
def no_hang(seconds: int = 20) -> Iterator[None]:
    """Turn a block that blocks forever (a FIFO opened for reading) into a failure after `seconds`."""
    def hung(signum, frame):
        raise AssertionError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
