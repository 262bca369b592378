"""Run a beginner program on PyTorch or on gradstep, changing nothing but its import block.

A program marks its imports with ``# imports`` and ``# end imports``. For gradstep each
import of ``torch`` becomes the same import of ``gradstep`` and each import of
``torchvision`` one of ``gradstep.vision`` (``import torch`` → ``import gradstep as torch``).
The program calls ``report(name, value, tolerance=None)`` for what the two runs must agree on:
exactly (up to float rounding) by default, or within ``tolerance`` where random numbers differ.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path
from typing import Any

PROGRAMS = Path(__file__).parent
_BLOCK = re.compile(r"^# imports\n(.*?)^# end imports\n", re.S | re.M)


def for_gradstep(line: str) -> str:
    """One import line, rewritten to import gradstep's module of the same name."""
    def rename(module: str) -> str:
        return re.sub(r"^torchvision\b", "gradstep.vision", re.sub(r"^torch\b", "gradstep", module))

    match = re.match(r"^from (\S+) import (.+)$", line)
    if match:
        return f"from {rename(match[1])} import {match[2]}"
    match = re.match(r"^import (\S+) as (\S+)$", line)
    if match:
        return f"import {rename(match[1])} as {match[2]}"
    match = re.match(r"^import (\S+)$", line)
    if match and rename(match[1]) != match[1]:
        return f"import {rename(match[1])} as {match[1]}"
    return line


def source_for(path: Path, engine: str) -> str:
    source = path.read_text()
    block = _BLOCK.search(source)
    if block is None:
        raise ValueError(f"{path.name}: no '# imports' ... '# end imports' block")
    if engine == "torch":
        return source
    imports = "\n".join(for_gradstep(line) for line in block[1].splitlines()) + "\n"
    return source[: block.start(1)] + imports + source[block.end(1) :]


@contextlib.contextmanager
def torchvision_stand_in():
    """torchvision for the PyTorch runs (see stand_in/torchvision.py), only while a program runs."""
    from .stand_in import torchvision

    names = {"torchvision": torchvision, "torchvision.datasets": torchvision.datasets, "torchvision.transforms": torchvision.transforms}
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update(names)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def run(path: Path, engine: str, folder: Path) -> tuple[dict[str, tuple[Any, float | None]], str]:
    """Run the program at ``path`` on ``engine`` ('torch' or 'gradstep') in ``folder``; its reports and printout."""
    reports: dict[str, tuple[Any, float | None]] = {}

    def report(name: str, value: Any, tolerance: float | None = None) -> None:
        reports[name] = (plain(value), tolerance)

    code = compile(source_for(path, engine), f"{path.name} ({engine})", "exec")
    printed = io.StringIO()
    previous = os.getcwd()
    os.chdir(folder)
    try:
        stand_in = torchvision_stand_in() if engine == "torch" else contextlib.nullcontext()
        with stand_in, contextlib.redirect_stdout(printed):
            exec(code, {"__name__": "__main__", "report": report})
    finally:
        os.chdir(previous)
    return reports, printed.getvalue()


def plain(value: Any) -> Any:
    """Tensors of either engine as nested lists, engine names made the same, so results compare."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return value.tolist()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return value.replace("gradstep.", "torch.")
    return value
