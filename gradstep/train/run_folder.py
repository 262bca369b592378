"""The folder a run writes to: made fresh for each new run, and held by one process at a time.

A new run never shares a folder: without ``--out`` it gets ``runs/<timestamp>``,
or ``runs/<timestamp>-2``... when a run started in the same second took that
name, and the folder is created with ``mkdir``, which only one process can win.
A folder given with ``--out`` must be new or empty. While a run trains, it
holds an exclusive lock (``flock``) on ``.lock`` in its folder, so a second run
given the same folder, or a second ``--resume`` of the same run, is refused
instead of writing over the first; the operating system releases the lock
when the process ends, however it ends.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gradstep.atomic import UNFINISHED_SUFFIX, remove_unfinished

LOCK_NAME = ".lock"
RUNS_DIR = Path("runs")


class RunFolderError(ValueError):
    """The run's folder cannot be created, is not empty, or is in use by another run."""


@contextmanager
def new_run_folder(out: str | os.PathLike | None = None) -> Iterator[Path]:
    """Create the folder of a new run (``out``, or ``runs/<timestamp>``) and hold it until the block ends.

    A folder that a run killed before its first save left behind (only the lock
    and half-written temporary files) counts as empty and is used again.

    Example:
        >>> import tempfile
        >>> with new_run_folder(Path(tempfile.mkdtemp()) / "run") as folder:
        ...     sorted(path.name for path in folder.iterdir())
        ['.lock']
    """
    folder, created = _fresh_folder() if out is None else _empty_folder(Path(out))
    with _held(folder):
        # Checked again now that the folder is held: another run may have filled it meanwhile.
        _empty_folder(folder)
        remove_unfinished(folder)
        try:
            yield folder
        except BaseException:
            # A run that failed before saving anything leaves no folder to trip over later.
            if created and not _files_of_a_run(folder):
                (folder / LOCK_NAME).unlink()
                folder.rmdir()
            raise


@contextmanager
def resumed_run_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold the folder of a run to resume until the block ends; first remove what a killed run left half-written."""
    folder = Path(folder)
    with _held(folder):
        remove_unfinished(folder)
        yield folder


@contextmanager
def _held(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock on ``folder/.lock`` for the block, or refuse if another process holds it."""
    try:
        descriptor = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_WRONLY, 0o644)
    except OSError as error:
        raise RunFolderError(f"cannot write in {folder}: {error.strerror}") from error
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunFolderError(f"{folder} is being used by another gradstep run; wait for it to end, "
                                 "or give another folder") from None
        yield
    finally:
        os.close(descriptor)  # closing the file releases the lock


def _files_of_a_run(folder: Path) -> list[Path]:
    """What ``folder`` holds besides the lock and the temporary files of interrupted writes."""
    return [path for path in folder.iterdir()
            if path.name != LOCK_NAME and not (path.name.startswith(".") and path.name.endswith(UNFINISHED_SUFFIX))]


def _fresh_folder() -> tuple[Path, bool]:
    """``runs/<timestamp>``, or the first of ``runs/<timestamp>-2``, ``-3``... that no other run has made; and True."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for number in range(1, 1000):
        folder = RUNS_DIR / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            folder.mkdir(parents=True)
            return folder, True
        except FileExistsError:
            continue
        except OSError as error:
            raise RunFolderError(f"cannot create the folder {folder}: {error.strerror}") from error
    raise RunFolderError(f"{RUNS_DIR} already holds 999 runs started at {stamp}")


def _empty_folder(folder: Path) -> tuple[Path, bool]:
    """``folder``, created if needed (and whether it was); refused if it is a file or already holds files."""
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{folder} is a file, not a folder; give a folder for the run")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunFolderError(f"cannot create the folder {folder}: {error.strerror}") from error
    if _files_of_a_run(folder):
        raise RunFolderError(f"{folder} already holds files; give a new or empty folder "
                             f"(or, to continue the run saved there: --resume {folder})")
    return folder, created
