"""``DataLoader``: cuts a dataset into mini-batches, in a fresh random order each epoch.

One pass over all batches is an epoch; ``len(loader)`` is the number of batches,
⌈N / batch_size⌉, or ⌊N / batch_size⌋ with ``drop_last=True``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ... import creation, ops
from ... import random as gradstep_random
from ..._tensor import Tensor


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping their structure (tuples, dicts).

    Tensors are stacked along a new first dimension; Python ints become an int64 tensor
    and Python floats a float64 tensor, as in PyTorch. NumPy arrays and scalars keep their
    dtype.
    """
    first = samples[0]
    if isinstance(first, Tensor):
        return ops.stack(samples)
    if isinstance(first, (np.ndarray, np.number)):
        return creation.as_tensor(np.stack(samples))
    if isinstance(first, (bool, int, float)):
        return creation.tensor(list(samples), dtype="float64" if isinstance(first, float) else None)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):  # a list of fields, as PyTorch returns
        return [default_collate(list(field)) for field in zip(*samples)]
    return list(samples)


class DataLoader:
    """Iterate over a dataset in batches.

    >>> import gradstep
    >>> from gradstep.utils.data import TensorDataset
    >>> ds = TensorDataset(gradstep.arange(10), gradstep.arange(10) * 2)
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=gradstep.Generator().manual_seed(0))
    >>> len(loader), [len(x) for x, y in loader]
    (3, [4, 4, 2])

    Batches are loaded in the calling process; ``num_workers`` and ``pin_memory`` are
    accepted so PyTorch code runs unchanged, and have no effect.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: gradstep_random.Generator | None = None,
        collate_fn: Callable[[list], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.dataset)
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return math.ceil(len(self.dataset) / self.batch_size)

    def _order(self) -> np.ndarray:
        count = len(self.dataset)
        if self.shuffle:
            return gradstep_random.numpy_rng(self.generator).permutation(count)
        return np.arange(count)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            return (self.dataset[int(i)] for i in order)
        return (self._fetch(order[start : start + self.batch_size]) for start in self._batch_starts(len(order)))

    def _batch_starts(self, count: int) -> range:
        last_start = count - self.batch_size if self.drop_last else count - 1
        return range(0, last_start + 1, self.batch_size)

    def _fetch(self, indices: np.ndarray) -> Any:
        if self.collate_fn is None and hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(indices)
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)
