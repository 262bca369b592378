"""Write a file so that readers see either nothing or the whole of it."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Open a temporary file beside `target`; rename it onto `target` only if the block succeeds.

    The temporary file lives in the same directory because `os.replace` is only
    atomic within one file system. If the block raises (a failed checksum, a
    dropped connection, Ctrl-C), the temporary file is deleted and `target` is
    left as it was.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> target = Path(tempfile.mkdtemp()) / "hello.txt"
        >>> with atomic_write(target) as file:
        ...     _ = file.write(b"hello")
        >>> target.read_bytes()
        b'hello'
    """
    descriptor, temporary_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
        # mkstemp makes the file private to its owner; data files are meant to be shared.
        temporary.chmod(0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
