"""Read a picture from disk as a Fashion-MNIST-like image, to ask a trained model about it."""
from __future__ import annotations

import os

import numpy as np

from gradstep.reading import open_regular_file

SIDE = 28
MAX_PIXELS = 4096 * 4096
"""16.8 megapixels, about 270 MB while converting; a 12-megapixel phone photo fits."""
# Greys deeper than 8 bits, by their Pillow mode, and the value that means white.
_DEEP_GREY_WHITE = {"I;16": 65535, "I;16B": 65535, "I;16L": 65535, "I": 65535, "F": 1.0}


class ImageError(ValueError):
    """A picture cannot be read: not an image, damaged, or larger than :data:`MAX_PIXELS`."""


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Load a PNG (or any format Pillow reads) as a (28, 28) float32 array in [0, 1].

    Colours become grey (the luminance 0.299 R + 0.587 G + 0.114 B), a
    transparent background becomes white, and the picture is shrunk to 28x28,
    each new pixel the mean of the area it covers. Fashion-MNIST shows light
    clothes on black, so a picture whose border is mostly light (the usual
    photo on a white background) is inverted. The size is read from the file's
    header and checked against :data:`MAX_PIXELS` before any pixel is decoded.

    Example:
        >>> import tempfile, matplotlib.image
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "white.png"
        >>> matplotlib.image.imsave(path, np.ones((56, 56)), cmap="gray")
        >>> image = read_image(path)
        >>> image.shape, float(image.max())  # white background, so inverted to black
        ((28, 28), 0.0)
    """
    from PIL import Image, UnidentifiedImageError

    name = os.fspath(path)
    try:
        with open_regular_file(path) as file, Image.open(file) as picture:
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{name}: {width}x{height} pixels, more than the {MAX_PIXELS:,} "
                                 "gradstep reads; shrink it first")
            grey = _grey(picture)
    except (FileNotFoundError, ImageError):
        raise
    except Image.DecompressionBombError as error:  # Pillow's own limit, higher than ours, checked on opening
        raise ImageError(f"{name}: more than the {MAX_PIXELS:,} pixels gradstep reads; shrink it first "
                         f"({error})") from error
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError) as error:
        raise ImageError(f"{name}: cannot read it as an image ({error})") from error
    image = np.asarray(grey.resize((SIDE, SIDE), Image.Resampling.BOX), dtype=np.float32)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    if border.mean() > 0.5:
        image = 1 - image
    return image


def _grey(picture: "Image.Image") -> "Image.Image":
    """The picture as grey levels in [0, 1] (Pillow mode "F"), transparency composited onto white."""
    from PIL import Image

    if picture.mode in _DEEP_GREY_WHITE:
        return picture.convert("F").point(lambda value: value / _DEEP_GREY_WHITE[picture.mode])
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        picture = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    # Pillow's "L" is the luminance above, rounded to a byte.
    return picture.convert("L").convert("F").point(lambda value: value / 255)
