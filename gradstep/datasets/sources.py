"""Where a dataset's files come from: a folder you name, the copy shipped with gradstep, a cache, or the web.

With `root` given, only `root` is used: the files directly in it, or in
torchvision's layout `root/<Dataset>/raw/` (or `root/raw/`), compressed (.gz)
or not. Missing files are fetched into `root` if `download` allows; with
`download=False`, `root` is only read, never written.

Without `root`, gradstep looks, in order, at the copy shipped inside the package
(Fashion-MNIST only), then at the cache folder `cache_dir()/<Dataset>/`, and
finally downloads into that cache.

Only the shipped copy is checked against its sha256 when read: a download is
checked before it is renamed into place, and files you provide are taken as
they are (their format is still checked), so your own data in MNIST format works too.
"""

import functools
import os
from collections.abc import Sequence
from pathlib import Path

from .download import download as download_file
from .download import sha256_of
from .errors import DatasetError

SHIPPED_DIR = Path(__file__).parent / "files"


def cache_dir() -> Path:
    """The folder downloaded datasets are kept in.

    `$GRADSTEP_DATA` if set, else `$XDG_CACHE_HOME/gradstep`, else `~/.cache/gradstep`.

    Example:
        >>> cache_dir()  # doctest: +SKIP
        PosixPath('/home/ada/.cache/gradstep')
    """
    if os.environ.get("GRADSTEP_DATA"):
        return Path(os.environ["GRADSTEP_DATA"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "gradstep"
    return Path.home() / ".cache" / "gradstep"


def locate(
    name: str,
    sha256: str,
    *,
    dataset: str,
    mirrors: Sequence[str],
    root: str | os.PathLike[str] | None,
    download: bool,
    shipped: bool,
) -> Path:
    """Return the path of dataset file `name`, fetching it if it is missing and `download` allows.

    `dataset` names the folder in the cache and in torchvision's layout;
    `shipped` says whether gradstep carries this dataset in `SHIPPED_DIR`.

    Example:
        >>> locate("t10k-labels-idx1-ubyte.gz",
        ...        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ...        dataset="FashionMNIST", mirrors=[], root=None, download=False, shipped=True).name
        't10k-labels-idx1-ubyte.gz'
    """
    shipped_copy = SHIPPED_DIR / name if shipped and (SHIPPED_DIR / name).is_file() else None
    if root is not None:
        # torchvision keeps the files in root/<Dataset>/raw/; pointing at root/<Dataset> works too.
        folders = [Path(root), Path(root) / dataset / "raw", Path(root) / "raw"]
    elif shipped_copy is not None:
        _check_shipped(shipped_copy, sha256)
        return shipped_copy
    else:
        folders = [cache_dir() / dataset]

    for folder in folders:
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                return candidate

    if not download:
        looked_in = ", ".join(str(folder) for folder in folders)
        raise DatasetError(
            f"{name}: not found (looked in {looked_in}, with and without .gz). To provide it: "
            "put it in one of those folders, pass root= a folder that holds it, "
            "set GRADSTEP_DATA to such a folder (used when root is not given), or pass download=True."
        )
    if shipped_copy is not None:
        # The shipped copy, as a file:// mirror, gets the same checksum and atomic write as a download.
        mirrors = [SHIPPED_DIR.as_uri(), *mirrors]
    return download_file(name, sha256, mirrors, folders[0])


@functools.cache
def _check_shipped(path: Path, sha256: str) -> None:
    # Cached so the 26 MB are hashed once per process; a failure raises, so it is never cached.
    actual = sha256_of(path)
    if actual != sha256:
        raise DatasetError(
            f"{path}: the copy shipped with gradstep is damaged (sha256 {actual}, expected {sha256}). "
            "Reinstall gradstep, or pass root= a folder that holds a good copy."
        )
