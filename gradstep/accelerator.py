"""``gradstep.accelerator``: PyTorch's question "is there a GPU or other accelerator?" The answer is no.

Beginner code picks its device with it, and then runs on the CPU:

>>> import gradstep
>>> gradstep.accelerator.current_accelerator().type if gradstep.accelerator.is_available() else "cpu"
'cpu'
"""
from __future__ import annotations


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False) -> None:
    """The accelerator in use, or None, as PyTorch answers on a machine without one."""
    return None


def device_count() -> int:
    return 0
