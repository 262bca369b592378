"""Open a file for reading only if it is a regular file, so that no reader can hang or be flooded.

Opening a FIFO for reading waits until some other process writes to it, and a
device such as ``/dev/zero`` never ends: a reader given either would hang or
allocate without limit. :func:`open_regular_file` opens without waiting and
refuses anything but a regular file, whose size then bounds what the reader
may be made to allocate.
"""
from __future__ import annotations

import os
import stat
from typing import BinaryIO


class NotARegularFileError(OSError):
    """The path names a FIFO, a device, a socket or a directory, not a file of bytes."""


def open_regular_file(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for reading in binary mode; raise ``NotARegularFileError`` if it is not a regular file.

    Raises ``FileNotFoundError`` and the other ``OSError``s of ``open`` as they are.

    Example:
        >>> try:
        ...     open_regular_file("/dev/null")
        ... except NotARegularFileError as error:
        ...     print(error)
        /dev/null: not a regular file (a character device)
    """
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFileError(f"{os.fspath(path)}: not a regular file ({_kind(mode)})")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def file_size(file: BinaryIO) -> int:
    """The size in bytes of an open file, read from the file system rather than by reading the file."""
    return os.fstat(file.fileno()).st_size


def _kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "a directory", stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
    return next((name for test, name in kinds.items() if test(mode)), "not a file of bytes")
