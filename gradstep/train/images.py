"""Read a picture from disk as a Fashion-MNIST-like image, to ask a trained model about it."""
from __future__ import annotations

import math
import os

import numpy as np

SIDE = 28
_LUMINANCE = np.array([0.299, 0.587, 0.114])  # how bright the eye finds red, green and blue


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Load a PNG (or any format matplotlib reads) as a (28, 28) float32 array in [0, 1].

    Colours become grey, a transparent background becomes white, and the
    picture is stretched to 28x28 by averaging blocks of pixels. Fashion-MNIST
    shows light clothes on black, so a picture whose border is mostly light
    (the usual photo on a white background) is inverted.

    Example:
        >>> import tempfile, matplotlib.image
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "white.png"
        >>> matplotlib.image.imsave(path, np.ones((56, 56)), cmap="gray")
        >>> image = read_image(path)
        >>> image.shape, float(image.max())  # white background, so inverted to black
        ((28, 28), 0.0)
    """
    from matplotlib.image import imread

    pixels = imread(path)
    if pixels.dtype == np.uint8:
        pixels = pixels / 255
    if pixels.ndim == 3:
        if pixels.shape[2] == 4:
            colour, opacity = pixels[..., :3], pixels[..., 3:]
            pixels = colour * opacity + (1 - opacity)
        pixels = pixels[..., :3] @ _LUMINANCE
    image = _resize(np.asarray(pixels, dtype=np.float64), SIDE)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    if border.mean() > 0.5:
        image = 1 - image
    return image.astype(np.float32)


def _resize(image: np.ndarray, side: int) -> np.ndarray:
    """Stretch a grey image to side x side, each new pixel the mean of the block it covers."""
    # A picture smaller than the target is first enlarged by repeating pixels, so
    # that every block below covers at least one of them.
    factor = math.ceil(side / min(image.shape))
    image = image.repeat(factor, axis=0).repeat(factor, axis=1)
    for axis in (0, 1):
        edges = np.linspace(0, image.shape[axis], side + 1).astype(int)
        sums = np.add.reduceat(image, edges[:-1], axis=axis)
        counts = np.diff(edges).reshape((-1, 1) if axis == 0 else (1, -1))
        image = sums / counts
    return image
