"""``TensorDataset``, ``Subset`` and ``random_split`` against PyTorch's."""
import numpy as np
import pytest
import torch
import torch.utils.data

import gradstep
from gradstep.utils.data import DataLoader, Subset, TensorDataset, random_split


# ---- TensorDataset --------------------------------------------------------------------------
def test_tensor_dataset_samples_are_rows_of_every_tensor():
    features, labels = np.random.default_rng(0).random((6, 3)), np.arange(6)
    ours = TensorDataset(gradstep.tensor(features), gradstep.tensor(labels))
    theirs = torch.utils.data.TensorDataset(torch.tensor(features), torch.tensor(labels))
    assert len(ours) == len(theirs) == 6
    for i in (0, 5, -1):
        assert [t.tolist() for t in ours[i]] == [t.tolist() for t in theirs[i]]
        assert isinstance(ours[i], tuple)
    assert ours.tensors[1] is not None and len(ours.tensors) == 2


def test_tensor_dataset_batch_is_one_gather_per_tensor():
    dataset = TensorDataset(gradstep.arange(10) * 2, gradstep.arange(10).float())
    evens, floats = dataset.__getitems__([3, 0, 7])
    assert evens.tolist() == [6, 0, 14] and floats.tolist() == [3.0, 0.0, 7.0]
    assert (evens.dtype, floats.dtype) == (gradstep.int64, gradstep.float32)


@pytest.mark.parametrize("shapes", [[(5, 2), (4,)], [(5,), (5, 1), (6, 3)], [(5,), ()]])
def test_tensor_dataset_names_the_sizes_that_disagree(shapes):
    with pytest.raises((AssertionError, IndexError)):  # PyTorch's errors don't say which sizes; gradstep's do
        torch.utils.data.TensorDataset(*[torch.zeros(shape) for shape in shapes])
    with pytest.raises(ValueError, match="first dimensions must agree") as error:
        TensorDataset(*[gradstep.zeros(*shape) for shape in shapes])
    for shape in shapes:
        assert str(shape) in str(error.value)


# ---- Subset ---------------------------------------------------------------------------------
def test_subset_reads_its_indices_in_their_order():
    dataset = TensorDataset(gradstep.arange(10) * 10)
    subset = Subset(dataset, [7, 2, 5])
    assert len(subset) == 3 and [subset[i][0].item() for i in range(3)] == [70, 20, 50]
    (batch,) = subset.__getitems__([2, 0])
    assert batch.tolist() == [50, 70]


def test_subset_of_a_dataset_without_getitems_collates_samples():
    subset = Subset(list(range(100, 110)), [9, 0, 4])
    assert subset.__getitems__([0, 2]).tolist() == [109, 104]
    assert [batch.tolist() for batch in DataLoader(subset, batch_size=2)] == [[109, 100], [104]]


# ---- random_split ---------------------------------------------------------------------------
SPLITS = [
    (10, [3, 7]),
    (10, [0.5, 0.5]),
    (10, [0.33, 0.33, 0.34]),
    (7, [0.5, 0.5]),
    (25, [0.1] * 10),
    (101, [0.7, 0.2, 0.1]),
    (60000, [0.8, 0.2]),
    (5, [0.2, 0.8]),
]


@pytest.mark.parametrize("count, lengths", SPLITS)
def test_random_split_sizes_are_pytorchs(count, lengths):
    ours = random_split(TensorDataset(gradstep.arange(count)), lengths)
    theirs = torch.utils.data.random_split(torch.utils.data.TensorDataset(torch.arange(count)), lengths)
    assert [len(part) for part in ours] == [len(part) for part in theirs]


@pytest.mark.parametrize("count, lengths", SPLITS[:6])
def test_random_split_parts_are_disjoint_and_cover_the_dataset(count, lengths):
    parts = random_split(TensorDataset(gradstep.arange(count)), lengths)
    picked = [part[i][0].item() for part in parts for i in range(len(part))]
    assert sorted(picked) == list(range(count))
    assert picked != list(range(count))  # shuffled before it is cut


def test_random_split_is_reproducible_with_a_generator():
    def split(seed):
        train, _ = random_split(range(20), [15, 5], generator=gradstep.Generator().manual_seed(seed))
        return [train[i] for i in range(len(train))]

    assert split(3) == split(3) and split(3) != split(4)


def test_random_split_of_a_split_and_into_a_loader():
    train, _ = random_split(TensorDataset(gradstep.arange(40), gradstep.arange(40) * 2), [0.75, 0.25])
    smaller, _ = random_split(train, [20, 10])
    for x, y in DataLoader(smaller, batch_size=8, shuffle=True):
        assert (y == x * 2).all().item()


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [0.5, 0.4]])
def test_random_split_lengths_must_add_up(lengths):
    for engine in (gradstep, torch):
        with pytest.raises(ValueError):
            engine.utils.data.random_split(range(10), lengths)
