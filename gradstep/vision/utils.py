"""``gradstep.vision.utils``: a batch of images as one picture (``make_grid``), saved as a file (``save_image``).

>>> import gradstep
>>> make_grid(gradstep.zeros(10, 1, 28, 28), nrow=5).shape
gradstep.Size([3, 62, 152])
"""
from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image

from ..atomic import atomic_write
from ..creation import from_numpy
from .._tensor import Tensor
from ..ops import stack


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Lay a batch (B, C, H, W) out as one (3, H', W') image, ``nrow`` images per row, ``padding`` pixels apart.

    Grey images become three identical channels. With ``normalize`` the values are
    stretched to [0, 1] from ``value_range`` (default: the batch's min and max; with
    ``scale_each``, each image's own).
    """
    if isinstance(tensor, list):
        tensor = stack(tensor)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"make_grid(): expected a tensor or a list of tensors, got {type(tensor).__name__}")
    images = tensor.detach().numpy()
    if images.ndim == 2:
        images = images[np.newaxis]
    if images.ndim == 3:
        images = images[np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"make_grid(): expected images of shape (B, C, H, W), got shape {tuple(tensor.shape)}")
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        images = images.copy()
        for part in (images if scale_each else [images]):
            low, high = value_range if value_range is not None else (float(part.min()), float(part.max()))
            np.clip(part, low, high, out=part)
            part -= np.asarray(low, dtype=part.dtype)
            part /= np.asarray(max(high - low, 1e-5), dtype=part.dtype)
    if images.shape[0] == 1:
        return from_numpy(np.ascontiguousarray(images[0]))
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = int(math.ceil(count / columns))
    cell_height, cell_width = height + padding, width + padding
    grid = np.full((channels, cell_height * rows + padding, cell_width * columns + padding), pad_value, dtype=images.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        top, left = y * cell_height + padding, x * cell_width + padding
        grid[:, top : top + height, left : left + width] = images[k]
    return from_numpy(grid)


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO, format: str | None = None, **kwargs: Any) -> None:
    """Save images with values in [0, 1] as one picture (see ``make_grid`` for ``kwargs``), written atomically."""
    grid = make_grid(tensor, **kwargs).numpy()
    # ×255 and +0.5 rounds to the nearest of the 256 levels, as torchvision does.
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    picture = Image.fromarray(np.ascontiguousarray(pixels))
    if not isinstance(fp, (str, os.PathLike)):
        picture.save(fp, format=format)
        return
    target = Path(fp)
    if format is None:
        format = Image.registered_extensions().get(target.suffix.lower())
        if format is None:
            raise ValueError(f"save_image(): can't tell the image format from the name {target}; pass format='PNG'")
    encoded = io.BytesIO()
    picture.save(encoded, format=format)
    with atomic_write(target) as file:
        file.write(encoded.getvalue())
