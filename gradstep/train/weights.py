"""A model's weights as ``model.safetensors``: the file PyTorch and Hugging Face users load without pickle.

A safetensors file is an 8-byte length, a JSON header naming each tensor's
dtype, shape and byte range, then the raw bytes. PyTorch loads one with::

    from safetensors.torch import load_file
    model.load_state_dict(load_file("runs/<stamp>/model.safetensors"))

The header's free-form ``__metadata__`` records the settings the model was
trained with (``gradstep train``'s config), so ``gradstep eval`` can rebuild
the same network before loading the weights into it.

Example:
    >>> import tempfile, gradstep
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> save_weights(gradstep.nn.Linear(3, 2).state_dict(), path, {"model": "linear"})
    >>> arrays, config = load_weights(path)
    >>> sorted((name, array.shape) for name, array in arrays.items()), config
    ([('bias', (2,)), ('weight', (2, 3))], {'model': 'linear'})
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from gradstep.atomic import atomic_write
from gradstep.reading import file_size, open_regular_file
from gradstep.serialization import MAX_FILE_BYTES, CheckpointError, parse_json

_FORMAT = "gradstep-weights"
_HEADER_LENGTH_BYTES = 8
MAX_HEADER_BYTES = 1 << 20
"""1 MiB of header: names, shapes and settings (the safetensors library itself allows 100 MB)."""


def save_weights(state_dict: dict[str, Any], path: str | os.PathLike, config: dict[str, Any] | None = None) -> None:
    """Write a model's ``state_dict`` (gradstep or PyTorch tensors) to ``path`` as safetensors, atomically.

    ``config`` (a dict of JSON values) goes into the file's metadata.
    """
    from safetensors.numpy import save

    # asarray(order="C"), not ascontiguousarray, which turns a 0-d count (num_batches_tracked) into shape (1,)
    arrays = {name: np.asarray(tensor.detach().cpu().numpy(), order="C") for name, tensor in state_dict.items()}
    metadata = {"format": _FORMAT, "config": json.dumps(config)}
    content = save(arrays, metadata=metadata)
    with atomic_write(path) as file:
        file.write(content)


def load_weights(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], Any]:
    """Read a file written by :func:`save_weights`: the arrays by name, and the config saved with them.

    A file made elsewhere (``safetensors.torch.save_file``) reads too; its config is None.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: the file is not safetensors, is damaged, or is larger than ``MAX_FILE_BYTES``.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    name = os.fspath(path)
    try:
        with open_regular_file(path) as file:
            size = file_size(file)
            if size > MAX_FILE_BYTES:
                raise CheckpointError(f"{name}: {size:,} bytes, more than the {MAX_FILE_BYTES:,} a weights file may have")
            content = file.read()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CheckpointError(f"{name}: cannot read it: {error.strerror or error}") from error
    try:
        metadata = _metadata(content)
        arrays = load(content)
        config = parse_json(metadata["config"]) if metadata.get("format") == _FORMAT else None
    except (SafetensorError, ValueError, TypeError, KeyError) as error:
        raise CheckpointError(f"{name}: not a valid safetensors file: {error}") from error
    return arrays, config


def _metadata(content: bytes) -> dict[str, str]:
    """The header's ``__metadata__``, read after checking the header's declared length against the file."""
    if len(content) < _HEADER_LENGTH_BYTES:
        raise ValueError(f"the file has {len(content)} bytes, fewer than the header's length takes")
    header_length = int.from_bytes(content[:_HEADER_LENGTH_BYTES], "little")
    if header_length > min(MAX_HEADER_BYTES, len(content) - _HEADER_LENGTH_BYTES):
        raise ValueError(f"the header declares {header_length:,} bytes in a file of {len(content):,}"
                         f" (at most {MAX_HEADER_BYTES:,})")
    header = parse_json(content[_HEADER_LENGTH_BYTES:_HEADER_LENGTH_BYTES + header_length])
    metadata = (header.get("__metadata__") or {}) if isinstance(header, dict) else None
    if not isinstance(metadata, dict):
        raise ValueError("the header is not a JSON object with a metadata object")
    return metadata
