"""Fetch a dataset file from its mirrors, checked by sha256, never leaving a partial file behind."""

import hashlib
import http.client
import os
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from ..atomic import atomic_write
from .errors import DatasetError

_CHUNK_SIZE = 1 << 16
# Without a timeout a mirror that stops answering would hang the download forever.
_TIMEOUT_SECONDS = 30


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Return the sha256 of a file's bytes as a hex string.

    Example:
        >>> import tempfile
        >>> path = tempfile.mkdtemp() + "/empty"
        >>> open(path, "wb").close()
        >>> sha256_of(path)[:16]
        'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    name: str,
    sha256: str,
    mirrors: Sequence[str],
    directory: Path,
    *,
    progress: bool = True,
) -> Path:
    """Download `name` from the first mirror that serves it intact, into `directory`.

    Each mirror is a base URL (http://, https:// or file://); the file's URL is
    the mirror followed by `name`. A download counts only if it is complete and
    its sha256 matches; otherwise the next mirror is tried. The file is written
    to a temporary file and renamed into place only once verified, so an
    interrupted or corrupt download never leaves a file that looks usable.

    Example:
        >>> download("train-labels-idx1-ubyte.gz",  # doctest: +SKIP
        ...          "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ...          ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        ...          Path("data"))
        PosixPath('data/train-labels-idx1-ubyte.gz')
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or error
        raise DatasetError(f"{name}: cannot create the folder {directory}: {reason}") from error
    target = directory / name
    failures = []
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{name}"
        try:
            with atomic_write(target) as file:
                _fetch_verified(url, file, sha256, progress=progress)
            return target
        # A dead mirror shows up as any of these; each is worth trying the next mirror for.
        except (OSError, http.client.HTTPException, DatasetError) as error:
            failures.append(f"\n  {url}: {error}")
    raise DatasetError(
        f"{name}: could not download it from any mirror:{''.join(failures) or ' no mirrors given'}\n"
        f"Download it by hand into {directory}, or pass root= a folder that already holds it."
    )


def _fetch_verified(url: str, file: BinaryIO, sha256: str, *, progress: bool) -> None:
    from tqdm.auto import tqdm  # only a download needs it; loading the shipped files does not

    digest = hashlib.sha256()
    received = 0
    with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length else None
        bar = tqdm(total=expected, unit="B", unit_scale=True, desc=url, disable=not progress, leave=False)
        with bar:
            while chunk := response.read(_CHUNK_SIZE):
                file.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    # http.client returns a short body without complaint when the server hangs up early.
    if expected is not None and received < expected:
        raise DatasetError(f"connection closed after {received} of {expected} bytes")
    if digest.hexdigest() != sha256:
        raise DatasetError(f"sha256 mismatch: got {digest.hexdigest()}, expected {sha256}")
