"""``DataLoader`` and ``default_collate``: the batches PyTorch's loader gives, fetched PyTorch's way or faster.

Shuffled orders differ from PyTorch's (another generator); what must hold is that every
epoch is a fresh permutation that visits each sample exactly once, reproducibly.
"""
import numpy as np
import pytest
import torch
import torch.utils.data

import gradstep
from gradstep.utils.data import DataLoader, Dataset, TensorDataset, default_collate


def indices_dataset(engine, count):
    return engine.utils.data.TensorDataset(engine.arange(count))


def epoch_order(loader):
    return np.concatenate([batch.numpy() for (batch,) in loader]) if len(loader) else np.array([], dtype=np.int64)


# ---- how many batches, of what size -------------------------------------------------------
@pytest.mark.parametrize("count", [0, 1, 5, 10, 127, 128, 129, 500])
@pytest.mark.parametrize("batch_size", [1, 3, 10, 128])
@pytest.mark.parametrize("drop_last", [False, True])
def test_number_and_sizes_of_batches_are_pytorchs(count, batch_size, drop_last):
    sizes = {}
    for engine in (gradstep, torch):
        loader = engine.utils.data.DataLoader(indices_dataset(engine, count), batch_size=batch_size, drop_last=drop_last)
        sizes[engine] = len(loader), [len(batch) for (batch,) in loader]
    assert sizes[gradstep] == sizes[torch]
    expected = count // batch_size if drop_last else -(-count // batch_size)
    assert sizes[gradstep][0] == expected == len(sizes[gradstep][1])


def test_batches_without_shuffle_are_in_order_and_keep_the_dtype():
    dataset = TensorDataset(gradstep.rand(10, 3), gradstep.arange(10))
    batches = list(DataLoader(dataset, batch_size=4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert batches[1][1].tolist() == [4, 5, 6, 7]
    assert batches[0][0].dtype == gradstep.float32 and batches[0][1].dtype == gradstep.int64


def test_loader_exposes_its_dataset_and_settings():
    dataset = indices_dataset(gradstep, 6)
    loader = DataLoader(dataset, batch_size=4, shuffle=True, drop_last=True)
    assert loader.dataset is dataset and loader.batch_size == 4 and loader.drop_last


def test_batch_size_none_yields_single_samples_as_in_pytorch():
    ours = list(DataLoader(indices_dataset(gradstep, 3), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(indices_dataset(torch, 3), batch_size=None))
    assert [[t.tolist() for t in sample] for sample in ours] == [[t.tolist() for t in sample] for sample in theirs]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_a_batch_size_must_be_a_positive_int(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(indices_dataset(gradstep, 3), batch_size=batch_size)


# ---- shuffling ------------------------------------------------------------------------------
def test_each_epoch_is_a_fresh_permutation_of_every_index():
    loader = DataLoader(indices_dataset(gradstep, 100), batch_size=7, shuffle=True)
    epochs = [epoch_order(loader) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(100))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    assert not np.array_equal(epochs[0], np.arange(100))


def test_drop_last_with_shuffle_drops_a_random_remainder():
    loader = DataLoader(indices_dataset(gradstep, 10), batch_size=4, shuffle=True, drop_last=True)
    seen = set()
    for _ in range(20):
        order = epoch_order(loader)
        assert len(order) == 8 and len(set(order.tolist())) == 8
        seen.update(order.tolist())
    assert seen == set(range(10))  # over many epochs every sample gets its turn


def test_shuffling_is_reproducible_under_manual_seed():
    loader = DataLoader(indices_dataset(gradstep, 50), batch_size=8, shuffle=True)
    gradstep.manual_seed(42)
    first = [epoch_order(loader) for _ in range(2)]
    gradstep.manual_seed(42)
    second = [epoch_order(loader) for _ in range(2)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_a_generator_gives_a_loader_its_own_reproducible_order():
    def orders(seed):
        loader = DataLoader(indices_dataset(gradstep, 50), batch_size=8, shuffle=True, generator=gradstep.Generator().manual_seed(seed))
        gradstep.manual_seed(seed * 1000)  # the global generator must not matter
        return [epoch_order(loader) for _ in range(2)]

    assert all(np.array_equal(a, b) for a, b in zip(orders(1), orders(1)))
    assert not np.array_equal(orders(1)[0], orders(2)[0])


# ---- how samples are fetched ----------------------------------------------------------------
class Spy(Dataset):
    """Counts how it is read: sample by sample, or a batch at a time when ``batched``."""

    def __init__(self, count, batched):
        self.data = gradstep.arange(count) * 10
        self.item_calls = self.batch_calls = 0
        if batched:
            self.__getitems__ = self._getitems

    def __getitem__(self, index):
        self.item_calls += 1
        return self.data[index], index

    def _getitems(self, indices):
        self.batch_calls += 1
        return gradstep.tensor(self.data.numpy()[indices]), gradstep.tensor(np.asarray(indices))

    def __len__(self):
        return len(self.data)


def test_a_dataset_with_getitems_is_read_once_per_batch():
    spy = Spy(10, batched=True)
    batches = list(DataLoader(spy, batch_size=4, shuffle=True))
    assert (spy.batch_calls, spy.item_calls) == (3, 0)
    values = np.concatenate([values.numpy() for values, _ in batches])
    assert sorted(values.tolist()) == list(range(0, 100, 10))
    assert all((values == indices * 10).all().item() for values, indices in batches)


def test_a_dataset_without_getitems_is_read_sample_by_sample_and_collated():
    spy = Spy(10, batched=False)
    batches = list(DataLoader(spy, batch_size=4))
    assert (spy.batch_calls, spy.item_calls) == (0, 10)
    values, indices = batches[0]
    assert values.tolist() == [0, 10, 20, 30] and indices.tolist() == [0, 1, 2, 3]
    assert indices.dtype == gradstep.int64


def test_collate_fn_receives_the_list_of_samples():
    received = []

    def collate(samples):
        received.append(samples)
        return len(samples)

    spy = Spy(5, batched=True)
    assert list(DataLoader(spy, batch_size=2, collate_fn=collate)) == [2, 2, 1]
    assert spy.item_calls == 5 and spy.batch_calls == 0  # a custom collate_fn gets samples, as in PyTorch
    assert [index for _, index in received[1]] == [2, 3]


def test_a_plain_sequence_is_a_dataset():
    ours = [batch.tolist() for batch in DataLoader(range(7), batch_size=3)]
    theirs = [batch.tolist() for batch in torch.utils.data.DataLoader(range(7), batch_size=3)]
    assert ours == theirs


# ---- default_collate ------------------------------------------------------------------------
def layout(batch):
    """The structure of a batch with each tensor replaced by its (dtype, shape)."""
    if hasattr(batch, "dtype") and hasattr(batch, "shape") and not isinstance(batch, np.ndarray):
        return "tensor", str(batch.dtype).split(".")[-1], tuple(batch.shape)
    if isinstance(batch, dict):
        return {key: layout(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, [layout(value) for value in batch]
    return batch


def samples(engine):
    return {
        "tensors": [engine.zeros(2, 3), engine.ones(2, 3)],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5],
        "bools": [True, False],
        "strings": ["cat", "dog"],
        "tuples": [(engine.zeros(4), 1), (engine.ones(4), 0)],
        "lists": [[1, 2.0], [3, 4.0]],
        "dicts": [{"image": engine.zeros(2), "label": 3, "name": "a"}, {"image": engine.ones(2), "label": 5, "name": "b"}],
        "nested": [{"pair": (1, [engine.zeros(1)])}, {"pair": (2, [engine.ones(1)])}],
        "numpy_arrays": [np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)],
        "numpy_int_arrays": [np.zeros(2, dtype=np.int32), np.ones(2, dtype=np.int32)],
        "numpy_scalars": [np.float32(1), np.float32(2)],
        "int64_tensors": [engine.tensor(1), engine.tensor(2)],
    }


@pytest.mark.parametrize("kind", samples(gradstep).keys())
def test_default_collate_builds_pytorchs_structure_and_dtypes(kind):
    ours = default_collate(samples(gradstep)[kind])
    theirs = torch.utils.data.default_collate(samples(torch)[kind])
    assert layout(ours) == layout(theirs)


def test_default_collate_stacks_values_in_order():
    images, labels = default_collate([(gradstep.full((2,), 1.0), 7), (gradstep.full((2,), 2.0), 9)])
    assert images.tolist() == [[1.0, 1.0], [2.0, 2.0]] and labels.tolist() == [7, 9]


def test_the_batched_path_gives_the_batches_of_the_sample_by_sample_path():
    dataset = TensorDataset(gradstep.rand(11, 2, 3), gradstep.randint(0, 10, (11,)), gradstep.rand(11).double())
    fast = DataLoader(dataset, batch_size=4)
    slow = DataLoader(dataset, batch_size=4, collate_fn=default_collate)  # a collate_fn turns the batched path off
    for fast_batch, slow_batch in zip(fast, slow, strict=True):
        for ours, reference in zip(fast_batch, slow_batch, strict=True):
            assert ours.dtype == reference.dtype and gradstep.equal(ours, reference)
