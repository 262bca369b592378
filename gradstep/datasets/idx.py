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
from typing import BinaryIO

import numpy as np

from ..atomic import atomic_write
from ..reading import file_size, open_regular_file
from .errors import DatasetError

MAX_BYTES = 256 << 20
"""256 MiB: the most data `read_idx` reads from one file (Fashion-MNIST's training images are 47 MB)."""

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK_BYTES = 1 << 16
# Bytes after the data are an error however many there are; counting stops here, so a
# file that inflates to gigabytes of them is still refused at once.
_MAX_TRAILING_COUNTED = 1 << 20

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(np.int16),
    0x0C: np.dtype(np.int32),
    0x0D: np.dtype(np.float32),
    0x0E: np.dtype(np.float64),
}
_TYPE_CODES = {dtype: code for code, dtype in _DTYPES.items()}


def read_idx(
    path: str | os.PathLike[str],
    *,
    magic: int | None = None,
    item_shape: tuple[int, ...] | None = None,
    max_bytes: int = MAX_BYTES,
) -> np.ndarray:
    """Read an IDX file, plain or gzip-compressed, into a native-endian array.

    The header is checked before anything else is read: against `magic` if
    given (2049 for a label file, 2051 for an image file), against
    `item_shape` if given (the shape of each item, e.g. (28, 28) for MNIST
    images), and against `max_bytes`. Then exactly the bytes the header
    declares are read (decompressed), so a file that would inflate to more
    costs no more memory than its header admits; a truncated file, or one
    with bytes left over, is reported instead of silently misread. Any
    problem raises `DatasetError`.

    Example:
        >>> import tempfile, numpy as np
        >>> path = tempfile.mkdtemp() + "/labels-idx1-ubyte.gz"
        >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
        >>> read_idx(path, magic=2049)
        array([3, 1, 4], dtype=uint8)
    """
    name = str(path)
    try:
        file = open_regular_file(path)
    except FileNotFoundError as error:
        raise DatasetError(f"{name}: cannot read: file not found") from error
    except OSError as error:
        raise DatasetError(f"{name}: cannot read: {error.strerror or error}") from error
    with file:
        compressed = file.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        file.seek(0)
        if not compressed:
            return _parse(file, name, magic, item_shape, max_bytes, available=file_size(file))
        try:
            with gzip.GzipFile(fileobj=file) as stream:
                return _parse(stream, name, magic, item_shape, max_bytes)
        except EOFError as error:
            raise DatasetError(f"{name}: truncated: the gzip stream ends early") from error
        except (OSError, zlib.error) as error:
            raise DatasetError(f"{name}: damaged gzip data: {error}") from error


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


def _parse(
    stream: BinaryIO,
    name: str,
    expected_magic: int | None,
    item_shape: tuple[int, ...] | None,
    max_bytes: int,
    available: int | None = None,
) -> np.ndarray:
    """Check the header, then read the data it declares; `available` is the file's size, if known."""
    header = stream.read(4)
    if len(header) < 4:
        raise DatasetError(f"{name}: truncated: an IDX header needs 4 bytes, file has {len(header)}")
    if header[0:2] != b"\0\0":
        raise DatasetError(
            f"{name}: not an IDX file: it must start with two zero bytes, "
            f"it starts with 0x{header[0:2].hex()}"
        )
    type_code, ndim = header[2], header[3]
    magic = int.from_bytes(header, "big")
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

    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise DatasetError(
            f"{name}: truncated: a header with {ndim} dimensions needs {4 + 4 * ndim} bytes, "
            f"file has {4 + len(sizes)}"
        )
    shape = tuple(int(size) for size in np.frombuffer(sizes, dtype=">u4"))
    if item_shape is not None and shape[1:] != item_shape:
        raise DatasetError(
            f"{name}: holds items of {_times(shape[1:]) or 'one value'}, expected {_times(item_shape)}"
        )
    dtype = _DTYPES[type_code]
    expected_size = math.prod(shape) * dtype.itemsize
    described = f"header says {_times(shape)} = {expected_size} bytes of data"
    if expected_size > max_bytes:
        raise DatasetError(f"{name}: {described}, more than the {max_bytes:,} gradstep reads from one file")
    if available is not None and available - 4 - 4 * ndim < expected_size:
        raise DatasetError(f"{name}: truncated: {described}, file has {available - 4 - 4 * ndim}")

    big_endian = np.empty(shape, dtype=dtype.newbyteorder(">"))
    received = _read_into(stream, big_endian.reshape(-1).view(np.uint8))
    if received < expected_size:
        raise DatasetError(f"{name}: truncated: {described}, file has {received}")
    trailing = _count_rest(stream)
    if trailing > _MAX_TRAILING_COUNTED:
        raise DatasetError(f"{name}: more than {_MAX_TRAILING_COUNTED:,} trailing bytes: {described}")
    if trailing:
        raise DatasetError(f"{name}: {trailing} trailing bytes: {described}, file has {expected_size + trailing}")
    # astype copies into native byte order only when that differs (never for uint8).
    return big_endian.astype(dtype, copy=False)


def _read_into(stream: BinaryIO, buffer: np.ndarray) -> int:
    """Fill `buffer` from `stream`; return how many bytes it got (fewer only at the end of the stream)."""
    view = memoryview(buffer)
    received = 0
    while received < len(view):
        count = stream.readinto(view[received:])
        if not count:
            break
        received += count
    return received


def _count_rest(stream: BinaryIO) -> int:
    """How many bytes are left, counted up to just past `_MAX_TRAILING_COUNTED` and then no further."""
    count = 0
    while count <= _MAX_TRAILING_COUNTED and (chunk := stream.read(_CHUNK_BYTES)):
        count += len(chunk)
    return count


def _times(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _describe(magic: int) -> str:
    type_code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    dtype = _DTYPES.get(type_code, f"unknown type 0x{type_code:02x}")
    return f"{dtype}, {ndim} dimension{'s' if ndim != 1 else ''}"
