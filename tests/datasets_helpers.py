"""Small, made-up MNIST-format files for the dataset tests."""

from pathlib import Path

import numpy as np

from gradstep.datasets import write_idx

SPLIT_PREFIXES = {"train": "train", "test": "t10k"}


def idx_bytes(type_code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file's bytes built by hand, so tests can also build broken ones."""
    header = bytes([0, 0, type_code, len(shape)]) + b"".join(size.to_bytes(4, "big") for size in shape)
    return header + payload


def make_split(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random uint8 images (count, 28, 28) and labels cycling through 0-9."""
    images = np.random.default_rng(seed).integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    return images, labels


def write_split(
    folder: Path, split: str = "train", count: int = 20, compress: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Write a made-up split under the official file names into `folder`; return its arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = make_split(count)
    suffix = ".gz" if compress else ""
    prefix = SPLIT_PREFIXES[split]
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels
