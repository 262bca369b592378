"""MNIST and Fashion-MNIST as datasets: the shipped files, samples and batches, and where files are found."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradstep.datasets import MNIST, DatasetError, FashionMNIST, cache_dir, write_idx
from gradstep.datasets import sources

from datasets_helpers import make_split, write_split


@pytest.fixture(scope="module")
def fashion_train() -> FashionMNIST:
    return FashionMNIST(train=True, download=False)


@pytest.fixture(scope="module")
def fashion_test() -> FashionMNIST:
    return FashionMNIST(train=False, download=False)


def test_shipped_fashion_mnist_has_the_official_shape(fashion_train, fashion_test):
    assert fashion_train.data.numpy().shape == (60000, 28, 28)
    assert fashion_train.data.numpy().dtype == np.uint8
    assert fashion_train.targets.numpy().dtype == np.int64
    assert np.bincount(fashion_train.targets.numpy()).tolist() == [6000] * 10
    assert len(fashion_test) == 10000
    assert np.bincount(fashion_test.targets.numpy()).tolist() == [1000] * 10
    assert fashion_train.train and not fashion_test.train
    assert fashion_test.classes[int(fashion_test.targets.numpy()[0])] == "Ankle boot"


def test_classes_match_torchvision():
    assert FashionMNIST.classes == [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    assert MNIST.classes[0] == "0 - zero" and MNIST.classes[9] == "9 - nine"


def test_a_sample_is_a_unit_range_image_and_an_int(fashion_test):
    image, label = fashion_test[0]
    pixels = image.numpy()
    assert pixels.shape == (1, 28, 28) and pixels.dtype == np.float32
    assert 0.0 <= pixels.min() and pixels.max() <= 1.0
    np.testing.assert_array_equal(pixels[0], fashion_test.data.numpy()[0] / np.float32(255))
    assert type(label) is int and label == 9


def test_a_batch_equals_the_samples_stacked(fashion_test):
    indices = [3, 0, 9999, 3]
    images, labels = fashion_test.__getitems__(indices)
    assert images.numpy().shape == (4, 1, 28, 28) and images.numpy().dtype == np.float32
    assert labels.numpy().dtype == np.int64
    samples = [fashion_test[index] for index in indices]
    np.testing.assert_array_equal(images.numpy(), np.stack([image.numpy() for image, _ in samples]))
    assert labels.numpy().tolist() == [label for _, label in samples]


def test_transforms_apply_to_samples_and_batches(tmp_path):
    write_split(tmp_path, "train", count=12)
    dataset = MNIST(
        root=tmp_path,
        download=False,
        transform=lambda image: image.numpy()[0, :2, :2],
        target_transform=lambda label: label + 100,
    )
    image, label = dataset[1]
    assert image.shape == (2, 2) and label == 101
    images, labels = dataset.__getitems__([0, 1, 2])
    assert images.numpy().shape == (3, 2, 2)
    assert labels.numpy().tolist() == [100, 101, 102]


def test_damaged_shipped_copy_is_refused(tmp_path, monkeypatch):
    for name in FashionMNIST.resources:
        content = (sources.SHIPPED_DIR / name).read_bytes()
        (tmp_path / name).write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))
    monkeypatch.setattr(sources, "SHIPPED_DIR", tmp_path)
    with pytest.raises(DatasetError, match="shipped with gradstep is damaged") as caught:
        FashionMNIST(train=False, download=False)
    assert "t10k-images-idx3-ubyte.gz" in str(caught.value)


@pytest.mark.parametrize("compress", [True, False])
def test_root_in_torchvision_layout(tmp_path, compress):
    images, labels = write_split(tmp_path / "FashionMNIST" / "raw", "test", count=15, compress=compress)
    dataset = FashionMNIST(root=tmp_path, train=False, download=False)
    np.testing.assert_array_equal(dataset.data.numpy(), images)
    np.testing.assert_array_equal(dataset.targets.numpy(), labels)


def test_root_with_the_files_directly_in_it(tmp_path):
    write_split(tmp_path, "train", count=11, compress=False)
    dataset = MNIST(root=str(tmp_path), download=False)
    assert len(dataset) == 11
    assert dataset.root == str(tmp_path)


def test_missing_file_in_root_names_it_and_the_remedies(tmp_path):
    with pytest.raises(DatasetError) as caught:
        FashionMNIST(root=tmp_path, train=True, download=False)
    message = str(caught.value)
    for expected in ("train-images-idx3-ubyte.gz", str(tmp_path), "root=", "GRADSTEP_DATA", "download=True"):
        assert expected in message
    assert list(tmp_path.iterdir()) == []


def test_images_and_labels_must_agree_in_count(tmp_path):
    write_split(tmp_path, "train", count=10)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", make_split(9)[1])
    with pytest.raises(DatasetError, match="holds 10 images but .*train-labels-idx1-ubyte.gz holds 9 labels"):
        MNIST(root=tmp_path, download=False)


def test_labels_must_name_a_class(tmp_path):
    write_split(tmp_path, "train", count=10)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([0] * 9 + [10], dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte.gz: label 10 at index 9 is out of range"):
        MNIST(root=tmp_path, download=False)


def test_swapped_files_are_caught_by_their_magic_number(tmp_path):
    write_split(tmp_path, "train", count=10)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    images_bytes = images.read_bytes()
    images.write_bytes(labels.read_bytes())
    labels.write_bytes(images_bytes)
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: wrong magic number 2049"):
        MNIST(root=tmp_path, download=False)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("GRADSTEP_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "gradstep"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "gradstep"
    monkeypatch.setenv("GRADSTEP_DATA", str(tmp_path / "data"))
    assert cache_dir() == tmp_path / "data"


def test_mnist_reads_from_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADSTEP_DATA", str(tmp_path))
    images, _ = write_split(tmp_path / "MNIST", "test", count=13)
    np.testing.assert_array_equal(MNIST(train=False, download=False).data.numpy(), images)


def test_importing_datasets_loads_neither_torch_nor_matplotlib():
    code = "import sys, gradstep.datasets; print(sorted({'torch', 'matplotlib'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert result.stdout.strip() == "[]"
