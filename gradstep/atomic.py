"""Write a file so that readers see either nothing or the whole of it."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

UNFINISHED_SUFFIX = ".part"
"""The ending of the temporary files :func:`atomic_write` writes, e.g. ``.checkpoint.npz.k3j2_x.part``."""


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary file beside `target`; rename it onto `target` only if the block succeeds.

    The temporary file lives in the same directory because `os.replace` is only
    atomic within one file system. Before the rename its bytes are flushed to
    the disk (`fsync`), and after it the directory is, so that even a power cut
    leaves either the old file or the whole new one. If the block raises (a
    failed checksum, a full disk, Ctrl-C), the temporary file is deleted and
    `target` is left as it was. A process killed outright cannot clean up: its
    temporary file stays until :func:`remove_unfinished` is called.

    An `OSError` that does not say which file it is about (a full disk reported
    by `write`) is raised again naming `target`, so the message can tell the user.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> target = Path(tempfile.mkdtemp()) / "hello.txt"
        >>> with atomic_write(target) as file:
        ...     _ = file.write(b"hello")
        >>> target.read_bytes()
        b'hello'
    """
    target = Path(target)
    with _reported_as_about(target):
        descriptor, temporary_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=UNFINISHED_SUFFIX
        )
    temporary = Path(temporary_name)
    file = os.fdopen(descriptor, "wb")
    try:
        try:
            yield file
        except OSError as error:
            # Errors naming a file of their own (a mirror that is missing) keep their name.
            if error.filename is not None or error.errno is None:
                raise
            raise OSError(error.errno, error.strerror, str(target)) from error
        with _reported_as_about(target):
            file.flush()
            os.fsync(file.fileno())
            file.close()
            # mkstemp makes the file private to its owner; data files are meant to be shared.
            temporary.chmod(0o644)
            os.replace(temporary, target)
            _sync_directory(target.parent)
    except BaseException:
        # After a failed write, closing fails the same way (it flushes what is left); the first error tells.
        with contextlib.suppress(OSError):
            file.close()
        temporary.unlink(missing_ok=True)
        raise


def remove_unfinished(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that :func:`atomic_write` left in `folder` when its process was killed.

    Call it only when no other process can be writing in `folder`. Returns what was removed.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / ".history.csv.x1y2.part").write_bytes(b"half a")
        >>> [path.name for path in remove_unfinished(folder)]
        ['.history.csv.x1y2.part']
    """
    removed = []
    for path in Path(folder).glob(f".*{UNFINISHED_SUFFIX}"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _sync_directory(folder: Path) -> None:
    # The rename is recorded in the directory; syncing it makes the rename itself durable.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _reported_as_about(target: Path) -> Iterator[None]:
    """Raise an OSError of the block again naming `target`, not the temporary file or nothing."""
    try:
        yield
    except OSError as error:
        # OSError(errno, ...) builds the matching subclass: ENOSPC stays an OSError, EACCES a PermissionError.
        raise OSError(error.errno, error.strerror, str(target)) from error
