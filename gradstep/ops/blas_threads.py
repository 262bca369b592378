"""How many threads NumPy's BLAS may use for a matrix product: one for small ones, all for large ones.

NumPy's BLAS (OpenBLAS) splits every product across all the threads it was started with.
For the products of a small network (128 × 784 by 784 × 128) a second thread gains little
on an idle machine, and when another program holds a core — a browser, an IDE, a notebook
kernel — the threads wait on each other and a training step gets ten times slower. So a
product below ``SMALL_PRODUCT`` multiply-adds runs on one thread, and a larger one, where
splitting pays off, on as many threads as the BLAS had before (all cores, unless
``OPENBLAS_NUM_THREADS`` or ``threadpoolctl`` set fewer).

``GRADSTEP_BLAS_THREADS=N`` in the environment uses exactly N threads for every product
instead; ``GRADSTEP_BLAS_THREADS=auto`` (the default) is the policy above.

>>> use_threads_for(10 * 10 * 10)       # a tiny product: one thread
>>> blas_threads()
1
"""
from __future__ import annotations

import os
from typing import Any

SMALL_PRODUCT = 1 << 26
"""Products of fewer multiply-adds than this (about 67 million, e.g. 512 × 512 × 256) use one thread."""

_blas: Any = None  # threadpoolctl's handle on NumPy's BLAS, found on first use (False: none found)
_fixed: int | None = None  # GRADSTEP_BLAS_THREADS, when it names a number
_lowered_from: int | None = None  # the thread count before a small product lowered it to one


def _find_blas() -> None:
    global _blas, _fixed
    setting = os.environ.get("GRADSTEP_BLAS_THREADS", "auto").strip().lower()
    if setting != "auto":
        try:
            _fixed = max(1, int(setting))
        except ValueError:
            raise ValueError(f"GRADSTEP_BLAS_THREADS must be a number of threads or 'auto', not {setting!r}") from None
    from threadpoolctl import ThreadpoolController

    controllers = ThreadpoolController().select(user_api="blas").lib_controllers
    _blas = controllers[0] if controllers else False
    if _blas and _fixed:
        _blas.set_num_threads(_fixed)


def use_threads_for(multiply_adds: int) -> None:
    """Set the BLAS thread count for a product of ``multiply_adds`` (m·k·n) about to be computed."""
    global _lowered_from
    if _blas is None:
        _find_blas()
    if not _blas or _fixed:
        return
    threads = _blas.num_threads
    if multiply_adds < SMALL_PRODUCT:
        if threads > 1:
            _lowered_from = threads
            _blas.set_num_threads(1)
    elif threads == 1 and _lowered_from:
        _blas.set_num_threads(_lowered_from)


def blas_threads() -> int:
    """The thread count NumPy's BLAS is set to now."""
    if _blas is None:
        _find_blas()
    return _blas.num_threads if _blas else 1
