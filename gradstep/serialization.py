"""``gradstep.save`` and ``gradstep.load``: nested state in one NumPy ``.npz`` file, never pickle.

They take PyTorch's arguments (``torch.save(obj, f)``, ``torch.load(f, map_location=...,
weights_only=...)``), but the file holds only data: each tensor is stored as a
plain NumPy array, and everything else (dicts, lists, numbers, strings) as one
JSON document that points at the arrays by name. Unlike ``pickle`` (what
``torch.save`` uses), loading such a file can never run code.

Reading is bounded: before anything is allocated, the file's declared sizes are
checked against the file itself and against the limits below, so a small
crafted file can never make ``load`` allocate gigabytes or work for minutes.

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "state.npz"
    >>> save({"epoch": 3, "weights": np.ones((2, 2), dtype=np.float32)}, path)
    >>> state = load(path)
    >>> state["epoch"], state["weights"].dtype
    (3, dtype('float32'))
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from gradstep.atomic import atomic_write
from gradstep.reading import file_size, open_regular_file

MAX_FILE_BYTES = 1 << 30
"""1 GiB: the largest checkpoint ``load`` reads (a 784-512-256-10 network with Adam's state is 7 MB)."""
MAX_ARRAYS = 10_000
"""Arrays in one checkpoint (a model's state_dict has one per parameter)."""
MAX_DOCUMENT_BYTES = 16 << 20
"""16 MiB of JSON for everything that is not an array."""
MAX_JSON_DEPTH = 64
"""Nesting of dicts and lists; a training checkpoint uses 8."""
MAX_DIMENSIONS = 32
"""Dimensions of one array."""

_DOCUMENT_NAME = "__json__"
_ARRAY_NAME = re.compile(r"array_\d+")
_FORMAT = {"format": "gradstep-checkpoint", "version": 2}
# Array types a checkpoint may hold: booleans, integers, floats and complex numbers, never objects.
_ARRAY_KINDS = "biufc"
# Values that JSON cannot tell apart from ordinary dicts and lists are wrapped in a
# dict with this key. A user dict that happens to use the key is wrapped too, so
# reading it back is never ambiguous.
_TAG = "__gradstep__"
# How a zip file ends: its last record says how many entries its directory lists.
_END_OF_ZIP = struct.Struct("<4s4H2LH")
_END_OF_ZIP_SIGNATURE = b"PK\x05\x06"
_MAX_ENTRY_BYTES = 128  # what one entry takes in the zip's directory; np.savez's take 58


class CheckpointError(ValueError):
    """A checkpoint file is damaged, not a checkpoint, holds something unsafe or exceeds a limit.

    Example:
        >>> try:
        ...     save({"model": object()}, "never-written.npz")
        ... except CheckpointError as error:
        ...     print(error)
        cannot save a value of type object (at model)
    """


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` to ``f`` (a path or a binary file object) as a ``.npz`` checkpoint.

    ``obj`` may nest dicts, lists and tuples of tensors (gradstep or PyTorch),
    NumPy arrays, ints, floats, bools, strings and None. Dict keys may be
    strings or ints (PyTorch optimizers key their state by parameter number).
    A whole model is refused: save ``model.state_dict()``, which holds its
    weights, and rebuild the model in code. Given a path, the file is first
    written beside it and then renamed onto it, so a crash or Ctrl-C while
    saving leaves the previous checkpoint untouched.

    Example:
        >>> import tempfile, gradstep
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "model.npz"
        >>> model = gradstep.nn.Linear(2, 1)
        >>> gradstep.save(model.state_dict(), path)
        >>> sorted(gradstep.load(path))
        ['bias', 'weight']
    """
    if callable(getattr(obj, "state_dict", None)):
        what = "model" if callable(getattr(obj, "parameters", None)) else "obj"
        raise CheckpointError(
            f"cannot save a whole {type(obj).__name__}: save {what}.state_dict() instead, "
            f"and load it back with {what}.load_state_dict(gradstep.load(f))"
        )
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, where="")
    document = json.dumps({**_FORMAT, "tree": tree}).encode()
    contents = {_DOCUMENT_NAME: np.frombuffer(document, dtype=np.uint8), **arrays}
    if hasattr(f, "write"):
        np.savez(f, **contents)
        return
    with atomic_write(f) as file:
        np.savez(file, **contents)


def load(
    f: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    *,
    weights_only: bool | None = None,
    tensor_from_numpy: Callable[[np.ndarray], Any] | None = None,
) -> Any:
    """Read a checkpoint written by :func:`save` from a path or a binary file object.

    Tensors come back as gradstep tensors. ``tensor_from_numpy`` chooses another
    type: ``numpy.asarray`` keeps the plain arrays, ``torch.from_numpy`` makes
    PyTorch tensors. NumPy arrays that were saved as arrays stay arrays, and
    tuples stay tuples.

    ``map_location`` is PyTorch's: gradstep computes on the CPU, so it may be
    None, ``"cpu"``, a ``device("cpu")``, a dict whose values name the CPU
    (``{"cuda:0": "cpu"}``), or a function called as ``map_location(tensor,
    "cpu")`` for every tensor that returns the tensor to use. Any other device
    is refused. ``weights_only`` is accepted for PyTorch's sake and changes
    nothing: gradstep only ever loads data, whatever its value.

    Raises:
        FileNotFoundError: there is no file at ``f``.
        CheckpointError: the file is not a gradstep checkpoint, is damaged,
            holds an object array (which only pickle could read), or exceeds a limit.
        RuntimeError: ``map_location`` names a device other than the CPU.

    Example:
        >>> import tempfile, numpy as np, gradstep
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "t.npz"
        >>> gradstep.save({"w": gradstep.zeros(2)}, path)
        >>> type(load(path, map_location="cpu", weights_only=True)["w"]).__name__
        'Tensor'
        >>> type(load(path, tensor_from_numpy=np.asarray)["w"]).__name__
        'ndarray'
    """
    move = _cpu_mapping(map_location)
    if tensor_from_numpy is None:
        from gradstep.creation import from_numpy as tensor_from_numpy
    if hasattr(f, "read"):
        name = getattr(f, "name", "the checkpoint file object")
        return _load_archive(f, str(name), lambda array: move(tensor_from_numpy(array)))
    try:
        file = open_regular_file(f)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CheckpointError(f"{os.fspath(f)}: cannot read it: {error.strerror or error}") from error
    with file:
        return _load_archive(file, os.fspath(f), lambda array: move(tensor_from_numpy(array)))


# --- writing ------------------------------------------------------------------------

def _encode(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """Turn ``value`` into JSON data, moving each array into ``arrays``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        items = [_encode(item, arrays, f"{where}[{index}]") for index, item in enumerate(value)]
        return {_TAG: "tuple", "items": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return _encode_dict(value, arrays, where)
    if isinstance(value, np.ndarray):
        return {_TAG: "ndarray", "key": _store_array(value, arrays, where)}
    if _is_tensor(value):
        try:
            array = np.asarray(value.detach().cpu().numpy())
        except TypeError as error:  # a PyTorch dtype NumPy lacks, such as bfloat16
            raise CheckpointError(f"cannot save a tensor of dtype {value.dtype} (at {where or 'top level'})") from error
        return {_TAG: "tensor", "key": _store_array(array, arrays, where)}
    raise CheckpointError(f"cannot save a value of type {type(value).__name__} (at {where or 'top level'})")


def _encode_dict(value: dict, arrays: dict[str, np.ndarray], where: str) -> Any:
    def child(key: Any) -> Any:
        return _encode(value[key], arrays, f"{where}.{key}" if where else str(key))

    if all(isinstance(key, str) for key in value) and _TAG not in value:
        return {key: child(key) for key in value}
    for key in value:
        if not isinstance(key, (str, int)):
            raise CheckpointError(f"cannot save a dict key of type {type(key).__name__} (at {where or 'top level'})")
    return {_TAG: "dict", "items": [[key, child(key)] for key in value]}


def _store_array(array: np.ndarray, arrays: dict[str, np.ndarray], where: str) -> str:
    if array.dtype.kind not in _ARRAY_KINDS or array.dtype.fields is not None:
        raise CheckpointError(f"cannot save an array of {array.dtype} (at {where or 'top level'}): "
                              "only booleans and numbers")
    key = f"array_{len(arrays)}"
    arrays[key] = array
    return key


def _is_tensor(value: Any) -> bool:
    # Duck typing keeps this module free of a torch import: both engines' tensors
    # can detach from the graph and hand over their data as a NumPy array.
    return hasattr(value, "detach") and hasattr(value, "numpy")


# --- reading ------------------------------------------------------------------------

def _load_archive(file: BinaryIO, name: str, make_tensor: Callable[[np.ndarray], Any]) -> Any:
    try:
        size = _size_of(file)
        if size > MAX_FILE_BYTES:
            raise ValueError(f"it is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a checkpoint may have")
        _check_entry_count(file, size)
        with zipfile.ZipFile(file) as archive:
            members = _checked_members(archive, size)
            document = _read_document(archive, members)
            if not isinstance(document, dict) or any(document.get(k) != v for k, v in _FORMAT.items()):
                raise ValueError("its document does not describe a gradstep checkpoint, version 2")
            arrays: dict[str, np.ndarray] = {}

            def array(key: Any) -> np.ndarray:
                if key not in arrays:  # each array is read once, however often it is referred to
                    if not isinstance(key, str) or key not in members or key == _DOCUMENT_NAME:
                        raise ValueError(f"the document refers to an array {key!r} the file lacks")
                    arrays[key] = _read_array(archive, members[key], key)
                return arrays[key]

            return _decode(document["tree"], array, make_tensor)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as error:
        raise CheckpointError(f"{name}: not a valid gradstep checkpoint: {error}") from error


def _size_of(file: BinaryIO) -> int:
    try:
        return file_size(file)
    except (AttributeError, OSError, io.UnsupportedOperation):  # an in-memory file has no descriptor
        position = file.seek(0, os.SEEK_END)
        file.seek(0)
        return position


def _check_entry_count(file: BinaryIO, size: int) -> None:
    """Refuse a zip whose directory lists more entries than a checkpoint can have, before zipfile reads it all.

    The directory is read where the file's last record says, as ``zipfile`` does:
    the record is the file's last 22 bytes, or, if the file ends in a comment,
    the last place its signature appears.
    """
    tail_size = min(size, _END_OF_ZIP.size + 0xFFFF)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    file.seek(0)
    start = len(tail) - _END_OF_ZIP.size
    if tail[start:start + 4] != _END_OF_ZIP_SIGNATURE:
        start = tail.rfind(_END_OF_ZIP_SIGNATURE)
    if start < 0 or len(tail) - start < _END_OF_ZIP.size:
        raise ValueError("it is not a zip file (no end-of-archive record)")
    entries, directory_size = _END_OF_ZIP.unpack_from(tail, start)[4:6]
    # zipfile reads the whole directory, entry after entry, however many it holds: both numbers matter.
    if entries > MAX_ARRAYS + 1 or directory_size > (MAX_ARRAYS + 1) * _MAX_ENTRY_BYTES:
        raise ValueError(f"its directory lists {entries:,} entries in {directory_size:,} bytes, more than "
                         f"the {MAX_ARRAYS + 1:,} entries of {_MAX_ENTRY_BYTES} bytes a checkpoint may have")


def _checked_members(archive: zipfile.ZipFile, size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's entries by array name, once each is known to be stored as gradstep stores them."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        key = info.filename.removesuffix(".npy")
        if not (key == _DOCUMENT_NAME or _ARRAY_NAME.fullmatch(key)) or not info.filename.endswith(".npy"):
            raise ValueError(f"unexpected entry {info.filename!r}")
        if key in members:
            raise ValueError(f"entry {info.filename!r} appears twice")
        # gradstep stores arrays uncompressed: then what an entry declares cannot exceed the
        # file, and no entry can inflate to more than it occupies (the zip bomb).
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            raise ValueError(f"entry {info.filename!r} is compressed; gradstep stores arrays uncompressed")
        if info.file_size > size:
            raise ValueError(f"entry {info.filename!r} declares {info.file_size:,} bytes in a file of {size:,}")
        members[key] = info
    if _DOCUMENT_NAME not in members:
        raise ValueError("it holds no checkpoint document")
    return members


def _read_document(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> Any:
    info = members[_DOCUMENT_NAME]
    if info.file_size > MAX_DOCUMENT_BYTES:
        raise ValueError(f"its document is {info.file_size:,} bytes, more than the limit of {MAX_DOCUMENT_BYTES:,}")
    raw = _read_array(archive, info, _DOCUMENT_NAME)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError("its document is not stored as UTF-8 bytes")
    return parse_json(raw.tobytes())


def parse_json(data: bytes | str) -> Any:
    """``json.loads``, after checking that lists and dicts nest at most ``MAX_JSON_DEPTH`` deep.

    Python's parser recurses once per level: a few kilobytes of ``[[[[...`` would
    otherwise end in a RecursionError instead of a message about the file.

    Example:
        >>> parse_json('{"a": [1, "[[["]}')
        {'a': [1, '[[[']}
        >>> parse_json("[" * 100 + "]" * 100)
        Traceback (most recent call last):
          ...
        ValueError: the JSON nests 100 levels deep, more than the limit of 64
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    # Brackets inside strings do not count, so strings are emptied first.
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text).encode()
    codes = np.frombuffer(outside_strings, dtype=np.uint8)
    steps = np.isin(codes, list(b"[{")).astype(np.int64) - np.isin(codes, list(b"]}"))
    depth = int(np.cumsum(steps).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON nests {depth} levels deep, more than the limit of {MAX_JSON_DEPTH}")
    return json.loads(text)


def _read_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> np.ndarray:
    """Read one ``.npy`` entry, checking its header against the entry's size before allocating."""
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        if version != (1, 0):
            raise ValueError(f"array {key!r} has .npy format version {version}; gradstep writes 1.0")
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.hasobject:
            raise ValueError(f"array {key!r} has dtype {dtype}: only booleans and numbers are read")
        if len(shape) > MAX_DIMENSIONS or any(side < 0 for side in shape):
            raise ValueError(f"array {key!r} declares the shape {shape}")
        declared = math.prod(shape) * dtype.itemsize
        available = info.file_size - stream.tell()
        if declared != available:
            raise ValueError(f"array {key!r} declares {shape} of {dtype} = {declared:,} bytes, "
                             f"its entry holds {available:,}")
        data = stream.read(declared)
    order = "F" if fortran_order else "C"
    # A copy, so that the array owns writable memory, as np.load's arrays do.
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).copy(order="K")


def _decode(node: Any, array: Callable[[Any], np.ndarray], make_tensor: Callable[[np.ndarray], Any]) -> Any:
    if isinstance(node, list):
        return [_decode(item, array, make_tensor) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get(_TAG)
    if kind is None:
        return {key: _decode(item, array, make_tensor) for key, item in node.items()}
    if kind == "tuple":
        return tuple(_decode(item, array, make_tensor) for item in node["items"])
    if kind == "dict":
        return {key: _decode(item, array, make_tensor) for key, item in node["items"]}
    if kind == "ndarray":
        return array(node["key"])
    if kind == "tensor":
        return make_tensor(array(node["key"]))
    raise ValueError(f"unknown entry kind {kind!r}")


# --- map_location -------------------------------------------------------------------

def _cpu_mapping(map_location: Any) -> Callable[[Any], Any]:
    """What to do with each loaded tensor for PyTorch's ``map_location``; refuse every device but the CPU."""
    if callable(map_location):
        return lambda tensor: _on_cpu(map_location(tensor, "cpu"), "the tensor map_location returned")
    if isinstance(map_location, dict):
        for source, target in map_location.items():
            _require_cpu(target, f"map_location maps {str(source)!r} to")
    elif map_location is not None:
        _require_cpu(map_location, "map_location is")
    return lambda tensor: tensor


def _require_cpu(device: Any, what: str) -> None:
    name = device if isinstance(device, str) else getattr(device, "type", None)
    if not isinstance(name, str):
        raise TypeError(f"{what} {device!r}: expected a device such as 'cpu', a dict of them, or a function")
    if name.split(":")[0] != "cpu":
        raise RuntimeError(f"{what} {str(device)!r}: gradstep computes on the CPU only, "
                           "so tensors can only be loaded to 'cpu'")


def _on_cpu(tensor: Any, what: str) -> Any:
    device = getattr(tensor, "device", None)
    if device is not None:
        _require_cpu(device, f"{what} is on")
    return tensor
