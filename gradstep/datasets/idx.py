"""Read and write IDX files, the format MNIST and Fashion-MNIST are published in.

An IDX file is a tiny header followed by the raw array, big-endian::

    byte 0-1   always zero
    byte 2     data type code (0x08 = uint8, see `_DTYPES`)
    byte 3     number of dimensions, n
    n * 4      each dimension as a big-endian uint32
    ...        the elements, row-major

The "magic number" is bytes 0-3 read as one integer: 2049 (0x00000801) means
uint8 with one dimension, the labels; 2051 (0x00000803) means uint8 with three
dimensions, the images. Files are often gzip-compressed; that is recognised by
gzip's own two magic bytes, not by the file name.
"""

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from .errors import DatasetError

_GZIP_MAGIC = b"\x1f\x8b"

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(np.int16),
    0x0C: np.dtype(np.int32),
    0x0D: np.dtype(np.float32),
    0x0E: np.dtype(np.float64),
}
_TYPE_CODES = {dtype: code for code, dtype in _DTYPES.items()}


def read_idx(path: str | os.PathLike[str], *, magic: int | None = None) -> np.ndarray:
    """Read an IDX file, plain or gzip-compressed, into a native-endian array.

    The header is checked against the file's length, so a truncated download or
    a file with extra bytes is reported instead of silently misread. If `magic`
    is given, the file must have exactly that magic number (2049 for a label
    file, 2051 for an image file). Any problem raises `DatasetError`.

    Example:
        >>> import tempfile, numpy as np
        >>> path = tempfile.mkdtemp() + "/labels-idx1-ubyte.gz"
        >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
        >>> read_idx(path, magic=2049)
        array([3, 1, 4], dtype=uint8)
    """
    name = str(path)
    try:
        content = Path(path).read_bytes()
    except FileNotFoundError as error:
        raise DatasetError(f"{name}: cannot read: file not found") from error
    except OSError as error:
        raise DatasetError(f"{name}: cannot read: {error.strerror or error}") from error
    if content.startswith(_GZIP_MAGIC):
        content = _gunzip(content, name)
    return _parse(content, name, magic)


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None
) -> None:
    """Write `array` as an IDX file, gzip-compressed if `compress` (default: if the name ends in .gz).

    The file appears complete or not at all: it is written to a temporary file
    in the same directory and renamed into place.

    Example:
        >>> import tempfile, numpy as np
        >>> path = tempfile.mkdtemp() + "/images-idx3-ubyte"
        >>> write_idx(path, np.zeros((2, 28, 28), dtype=np.uint8))
        >>> read_idx(path).shape
        (2, 28, 28)
    """
    path = Path(path)
    array = np.asarray(array)
    type_code = _TYPE_CODES.get(array.dtype.newbyteorder("="))
    if type_code is None:
        supported = ", ".join(str(dtype) for dtype in _DTYPES.values())
        raise DatasetError(f"{path}: cannot store dtype {array.dtype} in IDX (supported: {supported})")
    if not 1 <= array.ndim <= 255:
        raise DatasetError(f"{path}: IDX stores 1 to 255 dimensions, the array has {array.ndim}")
    if max(array.shape) >= 2**32:
        raise DatasetError(f"{path}: IDX dimensions must be below 2**32, the array has shape {array.shape}")

    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    content = header + array.astype(array.dtype.newbyteorder(">"), copy=False).tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        # mtime=0 makes the same array always give the same bytes, hence the same checksum.
        content = gzip.compress(content, mtime=0)
    with atomic_write(path) as file:
        file.write(content)


def _gunzip(content: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(content)
    except EOFError as error:
        raise DatasetError(f"{name}: truncated: the gzip stream ends early") from error
    except (OSError, zlib.error) as error:
        raise DatasetError(f"{name}: damaged gzip data: {error}") from error


def _parse(content: bytes, name: str, expected_magic: int | None) -> np.ndarray:
    if len(content) < 4:
        raise DatasetError(f"{name}: truncated: an IDX header needs 4 bytes, file has {len(content)}")
    if content[0:2] != b"\0\0":
        raise DatasetError(
            f"{name}: not an IDX file: it must start with two zero bytes, "
            f"it starts with 0x{content[0:2].hex()}"
        )
    type_code, ndim = content[2], content[3]
    magic = int.from_bytes(content[0:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise DatasetError(
            f"{name}: wrong magic number {magic} ({_describe(magic)}), "
            f"expected {expected_magic} ({_describe(expected_magic)})"
        )
    if type_code not in _DTYPES:
        known = ", ".join(f"0x{code:02x}" for code in _DTYPES)
        raise DatasetError(f"{name}: unknown IDX data type code 0x{type_code:02x} (known: {known})")
    if ndim == 0:
        raise DatasetError(f"{name}: the IDX header declares no dimensions")

    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise DatasetError(
            f"{name}: truncated: a header with {ndim} dimensions needs {header_size} bytes, "
            f"file has {len(content)}"
        )
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    dtype = _DTYPES[type_code]
    expected_size = math.prod(shape) * dtype.itemsize
    actual_size = len(content) - header_size
    described = f"header says {'x'.join(map(str, shape))} = {expected_size} bytes of data"
    if actual_size < expected_size:
        raise DatasetError(f"{name}: truncated: {described}, file has {actual_size}")
    if actual_size > expected_size:
        raise DatasetError(
            f"{name}: {actual_size - expected_size} trailing bytes: {described}, file has {actual_size}"
        )
    big_endian = np.frombuffer(content, dtype=dtype.newbyteorder(">"), offset=header_size)
    # astype copies into native byte order, which also makes the array writable.
    return big_endian.astype(dtype).reshape(shape)


def _describe(magic: int) -> str:
    type_code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    dtype = _DTYPES.get(type_code, f"unknown type 0x{type_code:02x}")
    return f"{dtype}, {ndim} dimension{'s' if ndim != 1 else ''}"
