"""How many threads NumPy's BLAS may use for a matrix product: one for small ones, the free cores for large ones.

NumPy's BLAS (OpenBLAS) splits every product across all the threads it was started with,
and its threads spin while they wait for each other. For the products of a small network
(128 × 784 by 784 × 128) a second thread gains little, and when another program holds a
core — a browser, an IDE, a notebook kernel — the threads wait on each other and a training
step gets many times slower. So:

* a product below ``SMALL_PRODUCT`` multiply-adds runs on one thread;
* a larger one, where splitting pays off, runs on as many threads as there are cores that
  other programs left free lately, among the cores this process may run on (its affinity:
  ``taskset``, a container's cpuset) (``BusyCores``, read from ``/proc/stat`` at most every
  ``CHECK_EVERY`` seconds), and never on more than the BLAS had before (all cores, unless
  ``OPENBLAS_NUM_THREADS`` or ``threadpoolctl`` set fewer) nor on more cores than a
  container's CPU quota grants (``cpu_quota``: ``docker run --cpus=1`` on a 4-core machine
  means one thread). Where ``/proc/stat`` is missing (macOS, Windows), every core counts
  as free.

A product's last bits can depend on its thread count, so the count of a large product that
follows the load makes two runs differ slightly. ``by_size_alone()`` turns the load check
off for a block, so that each product's thread count depends on its shape only: ``gradstep
train`` trains inside it, which is what lets a resumed run match an uninterrupted one bit
for bit.

``GRADSTEP_BLAS_THREADS=N`` in the environment uses exactly N threads for every product
instead; ``GRADSTEP_BLAS_THREADS=auto`` (the default) is the policy above.

>>> use_threads_for(10 * 10 * 10)       # a tiny product: one thread
>>> blas_threads()
1
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

SMALL_PRODUCT = 1 << 24
"""Products of fewer multiply-adds than this (about 17 million; the lesson's 128 × 784 × 128 has 12.8 million) use one thread."""

CHECK_EVERY = 0.25
"""Seconds between two looks at how busy the other programs keep the cores."""


def usable_cores() -> frozenset[int] | None:
    """The cores this process may run on: its affinity, which a container's cpuset also sets.
    ``None`` where the system doesn't tell (macOS, Windows)."""
    try:
        return frozenset(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


CGROUP_ROOT = "/sys/fs/cgroup"
"""Where Linux shows the control groups; a container sees its own group's files here."""


def cpu_quota(root: str = CGROUP_ROOT) -> float | None:
    """The cores' worth of processor time a CPU quota grants this container: 1.5 for ``--cpus=1.5``.

    ``None`` without a quota, or where there are no control groups (macOS, Windows). Read
    from cgroup v2's ``cpu.max`` ("150000 100000": a quota and its period, in µs) or cgroup
    v1's ``cpu.cfs_quota_us`` and ``cpu.cfs_period_us`` (a quota of -1: none).

    >>> cpu_quota("/nonexistent") is None
    True
    """
    readings = [(f"{root}/cpu.max",), (f"{root}/cpu/cpu.cfs_quota_us", f"{root}/cpu/cpu.cfs_period_us")]
    for paths in readings:
        try:
            fields = " ".join(Path(path).read_text() for path in paths).split()
        except OSError:
            continue
        if len(fields) != 2 or fields[0] in ("max", "-1"):
            return None
        try:
            quota, period = int(fields[0]), int(fields[1])
        except ValueError:
            return None
        return quota / period if quota > 0 and period > 0 else None
    return None


def busy_ticks(stat: bytes, cores: frozenset[int] | None) -> int:
    """Clock ticks that ``cores`` (all of them, for ``None``) spent busy since boot, from ``/proc/stat``.

    >>> busy_ticks(b"cpu  9 0 9 90 0 0 0 0\\ncpu0 5 0 4 40 0 0 0 0\\ncpu1 4 0 5 50 0 0 0 0\\n", frozenset({1}))
    9
    """
    total = 0
    for line in stat.splitlines():
        name, _, fields = line.partition(b" ")
        if name == b"cpu" if cores is None else name[3:].isdigit() and int(name[3:]) in cores:
            ticks = [int(field) for field in fields.split()[:8]]
            # user, nice, system, idle, iowait, irq, softirq, steal: all but idle and iowait are busy
            total += sum(ticks) - ticks[3] - ticks[4]
    return total


class BusyCores:
    """How many of ``cores`` (all of the machine's, for ``None``) the other programs kept busy lately.

    ``/proc/stat`` counts the time every core spent busy since boot; this process's own
    processor time (``os.times``, all its threads, spinning BLAS threads included) is taken
    out, and what is left over the time between two looks is the other programs' load, in
    cores. ``None`` where ``/proc/stat`` cannot be read.

    >>> watch = BusyCores()
    >>> watch.now() is None or watch.now() >= 0
    True
    """

    def __init__(self, cores: frozenset[int] | None = None) -> None:
        self.cores = cores
        self.previous = self._reading()
        self.cores_busy: float | None = None if self.previous is None else 0.0

    def now(self) -> float | None:
        """The other programs' load in cores, over the time since the last look (at least ``CHECK_EVERY``).

        After a long pause the first look only starts a new measure: the answer is the last one.
        """
        if self.previous is None:
            return None
        looked_at, busy, own = self.previous
        if time.monotonic() - looked_at >= CHECK_EVERY:
            reading = self._reading()
            if reading is not None:
                elapsed = reading[0] - looked_at
                if elapsed < 4 * CHECK_EVERY:  # a longer time would blur what the load is now
                    self.cores_busy = max(0.0, (reading[1] - busy - (reading[2] - own)) / elapsed)
                self.previous = reading
        return self.cores_busy

    def _reading(self) -> tuple[float, float, float] | None:
        """(now, seconds the watched cores were busy since boot, seconds this process was busy)."""
        try:
            with open("/proc/stat", "rb") as stat:
                busy = busy_ticks(stat.read(), self.cores)
        except (OSError, ValueError, IndexError):
            return None
        own = os.times()
        return time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


_blas: Any = None  # threadpoolctl's handle on NumPy's BLAS, found on first use (False: none found)
_read_threads: Callable[[], int] = lambda: 1  # the BLAS's thread count now (see _thread_count_reader)
_fixed: int | None = None  # GRADSTEP_BLAS_THREADS, when it names a number
_most = 1  # the count the BLAS had before gradstep changed it: never use more
_last_set: int | None = None  # the count gradstep set last; any other count was set from outside
_busy_cores: BusyCores | None = None  # None while the load is not looked at (by_size_alone)
_cores = 1


def _thread_count_reader(blas: Any) -> Callable[[], int]:
    """A function that returns the BLAS's thread count now.

    threadpoolctl's ``num_threads`` looks the C function up on every read; read four times a
    training step, that is measurable on a small network. For OpenBLAS, the C function it
    would call is looked up once here (by threadpoolctl's own lookup, which knows NumPy's
    symbol names); any other BLAS keeps the property.
    """
    if getattr(blas, "internal_api", None) == "openblas":
        symbol = "omp_get_max_threads" if blas.threading_layer == "openmp" else "openblas_get_num_threads"
        c_function = blas._get_symbol(symbol)
        if c_function is not None:
            return c_function
    return lambda: blas.num_threads


def _find_blas() -> None:
    global _blas, _fixed, _most, _busy_cores, _cores, _read_threads
    setting = os.environ.get("GRADSTEP_BLAS_THREADS", "auto").strip().lower()
    if setting != "auto":
        try:
            _fixed = max(1, int(setting))
        except ValueError:
            raise ValueError(f"GRADSTEP_BLAS_THREADS must be a number of threads or 'auto', not {setting!r}") from None
    from threadpoolctl import ThreadpoolController

    controllers = ThreadpoolController().select(user_api="blas").lib_controllers
    _blas = controllers[0] if controllers else False
    if _blas:
        _read_threads = _thread_count_reader(_blas)
    if _blas and _fixed:
        _blas.set_num_threads(_fixed)
    elif _blas:
        _most = _blas.num_threads
        usable, everywhere = usable_cores(), os.cpu_count() or 1
        _cores = len(usable) if usable else everywhere
        # A quota of 1.5 cores gives two spinning threads less than they need: count whole cores.
        quota = cpu_quota(CGROUP_ROOT)
        if quota is not None:
            _cores = max(1, min(_cores, int(quota)))
        # Only the load on the cores this process may use counts (a container's cpuset, taskset).
        _busy_cores = BusyCores(usable if usable and len(usable) < everywhere else None)


def _threads_for_a_large_product() -> int:
    busy = _busy_cores.now() if _busy_cores is not None else None
    if busy is None:
        return max(1, min(_most, _cores))
    # A core busy at least a quarter of the time counts as taken: erring towards fewer threads.
    taken = int(busy + 0.75)
    return max(1, min(_most, _cores - taken))


def use_threads_for(multiply_adds: int) -> None:
    """Set the BLAS thread count for a product of ``multiply_adds`` (m·k·n) about to be computed."""
    global _most, _last_set
    if _blas is None:
        _find_blas()
    if not _blas or _fixed:
        return
    threads = _read_threads()
    if threads != _last_set:  # set from outside (threadpoolctl, OPENBLAS_NUM_THREADS): the new ceiling
        _most = threads
    wanted = 1 if multiply_adds < SMALL_PRODUCT else _threads_for_a_large_product()
    if wanted != threads:
        _blas.set_num_threads(wanted)
    _last_set = wanted


@contextlib.contextmanager
def by_size_alone() -> Iterator[None]:
    """Within the block, a product's thread count depends on its size only, not on the machine's load.

    Results are then the same from run to run whatever else the machine does.

    >>> with by_size_alone():
    ...     use_threads_for(10 * 10 * 10)
    """
    global _busy_cores
    if _blas is None:
        _find_blas()
    watching, _busy_cores = _busy_cores, None
    try:
        yield
    finally:
        _busy_cores = watching


def blas_threads() -> int:
    """The thread count NumPy's BLAS is set to now."""
    if _blas is None:
        _find_blas()
    return _read_threads() if _blas else 1
