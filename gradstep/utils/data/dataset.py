"""Datasets: ``Dataset``, ``TensorDataset``, ``Subset`` and ``random_split``.

A map-style dataset answers ``len(ds)`` and ``ds[i]``. A dataset may also answer
``ds.__getitems__(indices)`` with a whole batch at once, already collated: gradstep's
``DataLoader`` then fetches each batch with one vectorised gather instead of a Python
loop over samples.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ... import random as gradstep_random
from ..._tensor import Tensor


class Dataset:
    """Base class: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are the rows of tensors that share their first dimension.

    >>> import gradstep
    >>> ds = TensorDataset(gradstep.zeros(500, 20), gradstep.zeros(500, dtype=gradstep.int64))
    >>> len(ds), ds[0][0].shape
    (500, gradstep.Size([20]))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(size is None for size in sizes) or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"Size mismatch between tensors: first dimensions must agree, got shapes {shapes}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __getitems__(self, indices: Sequence[int]) -> tuple[Tensor, ...]:
        """A whole batch: one fancy-index gather per tensor."""
        return tuple(Tensor._wrap(tensor._array[indices]) for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices: Sequence[int]) -> Any:
        original = self.indices[np.asarray(indices, dtype=np.int64)]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(original)
        from .dataloader import default_collate

        return default_collate([self.dataset[int(i)] for i in original])

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(lengths: Sequence[float], total: int) -> list[int]:
    """Fractions summing to 1 become counts; PyTorch's rule gives leftovers round-robin."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [int(math.floor(total * fraction)) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    counts = [int(x) for x in lengths]
    if sum(counts) != total:
        raise ValueError(f"Sum of input lengths ({sum(counts)}) does not equal the length of the input dataset ({total})")
    return counts


def random_split(
    dataset: Dataset, lengths: Sequence[float], generator: gradstep_random.Generator | None = None
) -> list[Subset]:
    """Split into non-overlapping random subsets of the given sizes or fractions.

    >>> import gradstep
    >>> train, val = random_split(range(10), [0.8, 0.2], generator=gradstep.Generator().manual_seed(0))
    >>> len(train), len(val)
    (8, 2)
    """
    counts = _split_lengths(lengths, len(dataset))
    order = gradstep_random.numpy_rng(generator).permutation(len(dataset))
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - count : end]) for count, end in zip(counts, ends)]
