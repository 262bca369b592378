"""Save and load checkpoints: nested state in one NumPy ``.npz`` file, never pickle.

A checkpoint holds two things: the tensors, each stored as a plain NumPy array,
and everything else (dicts, lists, numbers, strings) as one JSON document that
points at the arrays by name. Unlike ``pickle`` (what ``torch.save`` uses),
loading such a file can never run code, so a checkpoint from anywhere is safe
to open.

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

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gradstep.atomic import atomic_write

_DOCUMENT_KEY = "__json__"
_FORMAT = {"format": "gradstep-checkpoint", "version": 1}
# Values that JSON cannot tell apart from ordinary dicts and lists are wrapped in a
# dict with this key. A user dict that happens to use the key is wrapped too, so
# reading it back is never ambiguous.
_TAG = "__gradstep__"


class CheckpointError(ValueError):
    """A checkpoint file is damaged, not a checkpoint, or holds something unsafe.

    Example:
        >>> try:
        ...     save({"model": object()}, "never-written.npz")
        ... except CheckpointError as error:
        ...     print(error)
        cannot save a value of type object (at model)
    """


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` to ``path`` as a ``.npz`` checkpoint, replacing any old file atomically.

    ``obj`` may nest dicts, lists and tuples of tensors (gradstep or PyTorch),
    NumPy arrays, ints, floats, bools, strings and None. Dict keys may be
    strings or ints (PyTorch optimizers key their state by parameter number).
    The file is first written beside ``path`` and then renamed onto it, so a
    crash or Ctrl-C while saving leaves the previous checkpoint untouched.

    Example:
        >>> import tempfile, gradstep
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "model.npz"
        >>> model = gradstep.nn.Linear(2, 1)
        >>> gradstep.save(model.state_dict(), path)
        >>> sorted(gradstep.load(path))
        ['bias', 'weight']
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, where="")
    document = json.dumps({**_FORMAT, "tree": tree})
    with atomic_write(path) as file:
        np.savez(file, **{_DOCUMENT_KEY: np.array(document)}, **arrays)


def load(
    path: str | os.PathLike,
    *,
    tensor_from_numpy: Callable[[np.ndarray], Any] | None = None,
) -> Any:
    """Read a checkpoint written by :func:`save`.

    Tensors come back as gradstep tensors. ``tensor_from_numpy`` chooses another
    type: ``numpy.asarray`` keeps the plain arrays, ``torch.from_numpy`` makes
    PyTorch tensors. NumPy arrays that were saved as arrays stay arrays, and
    tuples stay tuples.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: the file is not a gradstep checkpoint, is damaged, or
            holds an object array (which only pickle could read).

    Example:
        >>> import tempfile, numpy as np, gradstep
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "t.npz"
        >>> gradstep.save({"w": gradstep.zeros(2)}, path)
        >>> type(load(path, tensor_from_numpy=np.asarray)["w"]).__name__
        'ndarray'
    """
    path = Path(path)
    if tensor_from_numpy is None:
        from gradstep.creation import from_numpy as tensor_from_numpy
    try:
        with np.load(path, allow_pickle=False) as archive:
            document = json.loads(str(archive[_DOCUMENT_KEY][()]))
            if not isinstance(document, dict) or any(document.get(k) != v for k, v in _FORMAT.items()):
                raise ValueError("its document does not describe a gradstep checkpoint, version 1")
            return _decode(document["tree"], archive, tensor_from_numpy)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as error:
        # np.load reports an object array as "Object arrays cannot be loaded when
        # allow_pickle=False"; that and every other cause is told with the file's name.
        raise CheckpointError(f"{path}: not a valid gradstep checkpoint: {error}") from error


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
        array = np.asarray(value.detach().numpy())
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
    if array.dtype.hasobject:
        raise CheckpointError(f"cannot save an array of Python objects (at {where or 'top level'})")
    key = f"array_{len(arrays)}"
    arrays[key] = array
    return key


def _is_tensor(value: Any) -> bool:
    # Duck typing keeps this module free of a torch import: both engines' tensors
    # can detach from the graph and hand over their data as a NumPy array.
    return hasattr(value, "detach") and hasattr(value, "numpy")


def _decode(node: Any, archive: Any, tensor_from_numpy: Callable[[np.ndarray], Any]) -> Any:
    if isinstance(node, list):
        return [_decode(item, archive, tensor_from_numpy) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get(_TAG)
    if kind is None:
        return {key: _decode(item, archive, tensor_from_numpy) for key, item in node.items()}
    if kind == "tuple":
        return tuple(_decode(item, archive, tensor_from_numpy) for item in node["items"])
    if kind == "dict":
        return {key: _decode(item, archive, tensor_from_numpy) for key, item in node["items"]}
    if kind == "ndarray":
        return archive[node["key"]]
    if kind == "tensor":
        return tensor_from_numpy(archive[node["key"]])
    raise ValueError(f"unknown entry kind {kind!r}")
