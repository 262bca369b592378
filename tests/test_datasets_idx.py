"""IDX reading and writing: round trips, and every kind of damaged file reported by name."""

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradstep.datasets import DatasetError, FashionMNIST, read_idx, write_idx
from gradstep.atomic import atomic_write

from datasets_helpers import idx_bytes
from limits_helpers import MB, costs_at_most, no_hang

SUPPORTED_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@settings(max_examples=60, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(SUPPORTED_DTYPES),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    ),
    compress=st.booleans(),
)
def test_round_trip(tmp_path_factory, array, compress):
    path = tmp_path_factory.mktemp("idx") / "array-idx"
    write_idx(path, array, compress=compress)
    back = read_idx(path)
    assert back.dtype == array.dtype and back.dtype.isnative
    np.testing.assert_array_equal(back, array)


def test_big_endian_input_is_stored_and_read_back_natively(tmp_path):
    array = np.arange(6, dtype=">i4").reshape(2, 3)
    write_idx(tmp_path / "a", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), array)


def test_compression_follows_the_name_by_default(tmp_path):
    labels = np.array([1, 2, 3], dtype=np.uint8)
    write_idx(tmp_path / "labels.gz", labels)
    write_idx(tmp_path / "labels", labels)
    assert (tmp_path / "labels.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert (tmp_path / "labels").read_bytes()[:2] == b"\0\0"


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    labels = np.array([7, 8], dtype=np.uint8)
    write_idx(tmp_path / "looks-plain", labels, compress=True)
    write_idx(tmp_path / "looks-compressed.gz", labels, compress=False)
    np.testing.assert_array_equal(read_idx(tmp_path / "looks-plain"), labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "looks-compressed.gz"), labels)


def test_the_standard_magic_numbers(tmp_path):
    write_idx(tmp_path / "labels", np.zeros(3, np.uint8))
    write_idx(tmp_path / "images", np.zeros((3, 28, 28), np.uint8))
    assert read_idx(tmp_path / "labels", magic=2049).shape == (3,)
    assert read_idx(tmp_path / "images", magic=2051).shape == (3, 28, 28)


PIXELS_3x28x28 = bytes(3 * 28 * 28)
gzip_of_labels = gzip.compress(idx_bytes(0x08, (4,), bytes(4)))

DAMAGED_FILES = {
    "empty": (b"", "truncated"),
    "not idx": (b"PK\x03\x04 a zip file", "must start with two zero bytes"),
    "unknown type": (idx_bytes(0x07, (1,), b"x"), "unknown IDX data type code 0x07"),
    "no dimensions": (b"\0\0\x08\0", "declares no dimensions"),
    "truncated header": (b"\0\0\x08\x03" + (60000).to_bytes(4, "big"), "truncated"),
    "truncated data": (idx_bytes(0x08, (3, 28, 28), PIXELS_3x28x28[:1234]), "header says 3x28x28 = 2352 bytes"),
    "trailing bytes": (idx_bytes(0x08, (3, 28, 28), PIXELS_3x28x28 + b"extra"), "5 trailing bytes"),
    "bad gzip": (b"\x1f\x8b" + b"not really deflate data", "damaged gzip data"),
    "truncated gzip": (gzip_of_labels[: len(gzip_of_labels) // 2], "truncated"),
    "damaged gzip": (gzip_of_labels[:10] + b"\xff" * 8 + gzip_of_labels[18:], "damaged gzip data"),
}


@pytest.mark.parametrize("content, complaint", DAMAGED_FILES.values(), ids=DAMAGED_FILES.keys())
def test_damaged_files_are_reported_by_name(tmp_path, content, complaint):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=complaint) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_gzip_errors_keep_their_cause(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip_of_labels[:-3])
    with pytest.raises(DatasetError) as caught:
        read_idx(path)
    assert isinstance(caught.value.__cause__, EOFError)


def test_wrong_magic_names_both_numbers(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    write_idx(path, np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DatasetError, match=r"wrong magic number 2051 .* expected 2049") as caught:
        read_idx(path, magic=2049)
    assert str(path) in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        read_idx(tmp_path / "nothing-here")


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


@pytest.mark.parametrize("array", [np.zeros(3, dtype=np.int64), np.array(5, dtype=np.uint8), np.zeros(2, bool)])
def test_write_rejects_what_idx_cannot_hold(tmp_path, array):
    with pytest.raises(DatasetError):
        write_idx(tmp_path / "out", array)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path):
    target = tmp_path / "file"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as file:
        file.write(b"half of the new")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


# --- bounded reading --------------------------------------------------------------------------

def test_a_header_declaring_more_than_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (1_000_000, 28, 28), b"")))
    with costs_at_most(megabytes=5, cpu=5), pytest.raises(DatasetError, match=r"1000000x28x28 = 784000000 bytes of "
                                                                             r"data, more than the 268,435,456"):
        read_idx(path)


def test_a_gzip_that_inflates_past_what_its_header_declares_costs_no_more_than_the_header(tmp_path):
    # 48 gzip members of 64 MiB of zeros each follow the data: 3 GiB from a 3 MB file.
    path = tmp_path / "train-images-idx3-ubyte.gz"
    zeros = gzip.compress(bytes(64 * MB), compresslevel=9)
    path.write_bytes(gzip.compress(idx_bytes(0x08, (100, 28, 28), bytes(100 * 784))) + zeros * 48)
    assert path.stat().st_size < 4 * MB
    with costs_at_most(megabytes=10, cpu=10), pytest.raises(DatasetError, match="more than 1,048,576 trailing bytes"):
        read_idx(path, magic=2051)


def test_images_of_another_size_than_mnists_are_refused(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((10, 14, 56), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(10, np.uint8))
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: holds items of 14x56, expected 28x28"):
        FashionMNIST(root=tmp_path, train=True, download=False)


def test_a_fifo_is_refused_at_once(tmp_path):
    import os

    os.mkfifo(tmp_path / "train-labels-idx1-ubyte.gz")
    with no_hang(), pytest.raises(DatasetError, match="not a regular file"):
        read_idx(tmp_path / "train-labels-idx1-ubyte.gz")
