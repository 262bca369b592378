"""``gradstep.vision.io``: read an image file into a uint8 tensor, as torchvision's ``read_image``.

Files are decoded with Pillow. Before any pixel is decoded the image's size is checked, so
a small file that claims to be a huge picture (a "decompression bomb") is refused, not
allocated.
"""
from __future__ import annotations

import enum
import os
from contextlib import contextmanager
from collections.abc import Iterator

import numpy as np
from PIL import Image

from ..creation import from_numpy
from .._tensor import Tensor

# Pillow's own warning threshold (about 89 million pixels, a 9459 x 9459 image).
MAX_PIXELS = 89_478_485


class ImageReadMode(enum.Enum):
    """Which channels ``read_image`` returns: as stored, or converted to grey or colour."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


@contextmanager
def open_image(path: str | os.PathLike) -> Iterator[Image.Image]:
    """Open an image file with Pillow, refusing files that are not images or are too large to decode."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValueError(
                    f"{path}: the image is {width} x {height} pixels, more than the {MAX_PIXELS} gradstep decodes"
                )
            yield image
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except (Image.UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ValueError(f"{path}: cannot read it as an image ({error})") from None


def read_image(path: str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED) -> Tensor:
    """The image at ``path`` as a uint8 tensor of shape (C, H, W).

    ``mode`` converts it: ``ImageReadMode.GRAY`` (or ``"GRAY"``) gives one channel, ``RGB``
    three, ``RGB_ALPHA`` four. Palette images are expanded to RGB (RGBA with transparency).

    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "grey.png"
    >>> Image.new("L", (3, 2), 200).save(path)
    >>> read_image(path).shape
    gradstep.Size([1, 2, 3])
    """
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    with open_image(path) as image:
        image.load()
        if mode is not ImageReadMode.UNCHANGED:
            image = image.convert(_PIL_MODES[mode])
        elif image.mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        elif image.mode == "1":
            image = image.convert("L")
        elif image.mode not in ("L", "LA", "RGB", "RGBA"):
            raise ValueError(f"{path}: {image.mode} images are not supported; pass mode=ImageReadMode.RGB to convert")
        pixels = np.asarray(image, dtype=np.uint8).reshape(image.height, image.width, -1)
    return from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))
