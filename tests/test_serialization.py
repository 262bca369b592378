"""Checkpoints: nested state round-trips through one .npz file, without pickle, atomically."""
import json
import zipfile

import numpy as np
import pytest
import torch

import gradstep
from gradstep import serialization
from gradstep.serialization import CheckpointError, load, save

from limits_helpers import MB, costs_at_most, no_hang


def test_nested_state_round_trips_with_types_kept(tmp_path):
    state = {
        "epoch": 3,
        "lr": 0.15,
        "nan": float("nan"),
        "done": False,
        "name": "lesson",
        "nothing": None,
        "shape": (28, 28),
        "hidden": [256, 128],
        "array": np.arange(6, dtype=np.int64).reshape(2, 3),
        "by_number": {0: "first", 1: {"deep": [1.5, None]}},
        "__gradstep__": "a key the format itself uses",
    }
    save(state, tmp_path / "state.npz")
    loaded = load(tmp_path / "state.npz")

    assert loaded.pop("nan") != loaded.pop("nan", 0.0)  # NaN survives as NaN
    state.pop("nan")
    np.testing.assert_array_equal(loaded.pop("array"), state.pop("array"))
    assert loaded == state
    assert isinstance(loaded["shape"], tuple)


def test_torch_tensors_round_trip_bit_exact_as_numpy_or_torch(tmp_path):
    weight = torch.randn(3, 4, requires_grad=True)
    save({"weight": weight, "mask": torch.tensor([True, False])}, tmp_path / "t.npz")

    as_numpy = load(tmp_path / "t.npz", tensor_from_numpy=np.asarray)
    assert as_numpy["weight"].dtype == np.float32
    np.testing.assert_array_equal(as_numpy["weight"], weight.detach().numpy())

    as_torch = load(tmp_path / "t.npz", tensor_from_numpy=torch.from_numpy)
    assert torch.equal(as_torch["weight"], weight.detach())
    assert as_torch["mask"].dtype == torch.bool


def test_loaded_tensors_are_gradstep_tensors_by_default(tmp_path):
    save({"w": gradstep.from_numpy(np.ones(3, dtype=np.float32))}, tmp_path / "g.npz")
    loaded = load(tmp_path / "g.npz")["w"]
    assert isinstance(loaded, gradstep.Tensor)
    np.testing.assert_array_equal(loaded.numpy(), np.ones(3, dtype=np.float32))


@pytest.mark.parametrize("engine", [gradstep, torch], ids=["gradstep", "torch"])
@pytest.mark.parametrize("name, options", [("SGD", {"lr": 0.15, "momentum": 0.8}), ("Adam", {"lr": 1e-3})])
def test_optimizer_state_dict_round_trips_and_loads(tmp_path, engine, name, options):
    def make_optimizer(model):
        return getattr(engine.optim, name)(model.parameters(), **options)

    model = engine.nn.Linear(4, 2)
    optimizer = make_optimizer(model)
    model(engine.randn(5, 4)).sum().backward()
    optimizer.step()
    save(optimizer.state_dict(), tmp_path / "opt.npz")

    restored = make_optimizer(engine.nn.Linear(4, 2))
    restored.load_state_dict(load(tmp_path / "opt.npz", tensor_from_numpy=engine.from_numpy))

    original, loaded = optimizer.state_dict(), restored.state_dict()
    assert loaded["param_groups"] == original["param_groups"]
    assert loaded["state"].keys() == original["state"].keys()
    for index, buffers in original["state"].items():
        for key, value in buffers.items():
            assert np.array_equal(np.asarray(loaded["state"][index][key]), np.asarray(value)), key


def test_nothing_is_pickled(tmp_path):
    save({"w": torch.ones(2), "n": 1}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        assert all(archive[key].dtype != object for key in archive.files)


def test_object_array_in_crafted_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "evil.npz"
    document = json.dumps({"format": "gradstep-checkpoint", "version": 2,
                           "tree": {"__gradstep__": "ndarray", "key": "array_0"}}).encode()
    np.savez(path, __json__=np.frombuffer(document, np.uint8), array_0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="evil.npz.*dtype object"):
        load(path)


def test_saving_an_object_array_or_unknown_type_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match=r"array of object \(at model.bad\)"):
        save({"model": {"bad": np.array([object()])}}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="type set"):
        save({"ids": {1, 2}}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("content", [b"not a zip file", b""])
def test_malformed_file_is_refused_naming_the_file(tmp_path, content):
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="broken.npz"):
        load(path)


def test_npz_without_checkpoint_document_is_refused(tmp_path):
    np.savez(tmp_path / "plain.npz", weights=np.ones(3))
    with pytest.raises(CheckpointError, match="plain.npz"):
        load(tmp_path / "plain.npz")
    with zipfile.ZipFile(tmp_path / "other.npz", "w") as archive:
        archive.writestr("__json__.npy", b"garbage")
    with pytest.raises(CheckpointError, match="other.npz"):
        load(tmp_path / "other.npz")


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.npz")


def test_failure_mid_write_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.npz"
    save({"epoch": 1, "w": np.zeros(1000)}, path)
    before = path.read_bytes()

    def crash_half_way(file, **arrays):
        file.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization.np, "savez", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        save({"epoch": 2, "w": np.ones(1000)}, path)

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.npz"]
    monkeypatch.undo()
    assert load(path)["epoch"] == 1


# --- PyTorch's signature ---------------------------------------------------------------

def test_load_and_save_take_pytorchs_argument_names():
    import inspect

    for ours, theirs in ((gradstep.load, torch.load), (gradstep.save, torch.save)):
        names = list(inspect.signature(ours).parameters)
        reference = list(inspect.signature(theirs).parameters)
        assert names[:2] == reference[:2], (names, reference)
    assert "weights_only" in inspect.signature(gradstep.load).parameters


def test_save_and_load_through_binary_file_objects(tmp_path):
    import io

    buffer = io.BytesIO()
    gradstep.save({"w": gradstep.ones(3), "step": 7}, buffer)
    buffer.seek(0)
    loaded = gradstep.load(buffer, map_location="cpu", weights_only=True)
    assert loaded["step"] == 7 and loaded["w"].tolist() == [1.0, 1.0, 1.0]

    with open(tmp_path / "state.pt", "wb") as file:
        gradstep.save([gradstep.zeros(2)], file)
    with open(tmp_path / "state.pt", "rb") as file:
        assert gradstep.load(file)[0].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("map_location", [
    None, "cpu", "cpu:0", torch.device("cpu"), gradstep.device("cpu"), {"cuda:0": "cpu", "cuda:1": "cpu"},
    lambda storage, location: storage,
], ids=["None", "cpu", "cpu:0", "torch.device", "gradstep.device", "dict", "function"])
@pytest.mark.parametrize("weights_only", [None, True, False])
def test_map_location_to_the_cpu_and_weights_only_are_accepted(tmp_path, map_location, weights_only):
    gradstep.save({"w": gradstep.ones(2)}, tmp_path / "w.pt")
    loaded = gradstep.load(tmp_path / "w.pt", map_location=map_location, weights_only=weights_only)
    assert loaded["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("map_location, named", [
    ("cuda", "'cuda'"), ("cuda:1", "'cuda:1'"), (torch.device("cuda", 0), "'cuda:0'"), ("mps", "'mps'"),
    ({"cpu": "cuda:0"}, "maps 'cpu' to 'cuda:0'"),
], ids=["cuda", "cuda:1", "torch.device", "mps", "dict"])
def test_map_location_to_another_device_is_refused_naming_it(tmp_path, map_location, named):
    gradstep.save({"w": gradstep.ones(2)}, tmp_path / "w.pt")
    with pytest.raises(RuntimeError, match=f"{named}.*CPU only"):
        gradstep.load(tmp_path / "w.pt", map_location=map_location)


def test_weights_only_false_still_never_unpickles(tmp_path):
    path = tmp_path / "evil.npz"
    document = json.dumps({"format": "gradstep-checkpoint", "version": 2,
                           "tree": {"__gradstep__": "ndarray", "key": "array_0"}}).encode()
    np.savez(path, __json__=np.frombuffer(document, np.uint8), array_0=np.array([print], dtype=object))
    with pytest.raises(CheckpointError, match="dtype object"):
        gradstep.load(path, weights_only=False)


@pytest.mark.parametrize("engine", [gradstep, torch], ids=["gradstep", "torch"])
def test_saving_a_whole_model_says_to_save_its_state_dict(tmp_path, engine):
    model = engine.nn.Sequential(engine.nn.Linear(2, 2))
    with pytest.raises(CheckpointError) as caught:
        gradstep.save(model, tmp_path / "model.pt")
    message = str(caught.value)
    assert "\n" not in message and "cannot save a whole Sequential" in message
    assert "model.state_dict()" in message
    assert list(tmp_path.iterdir()) == []


# --- bounded reading: crafted files against each limit -------------------------------------

def _npy_entry(header: dict, payload: bytes = b"") -> bytes:
    """A .npy entry's bytes with a header of our choosing, so it can lie about its shape."""
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + payload


def _write_checkpoint(path, tree, entries, compression=zipfile.ZIP_STORED):
    document = json.dumps({"format": "gradstep-checkpoint", "version": 2, "tree": tree}).encode()
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("__json__.npy", _npy_entry(
            {"descr": "|u1", "fortran_order": False, "shape": (len(document),)}, document))
        for name, content in entries.items():
            archive.writestr(name, content)


def test_a_huge_declared_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    _write_checkpoint(path, {"__gradstep__": "ndarray", "key": "array_0"},
                      {"array_0.npy": _npy_entry(header, bytes(800))})
    with costs_at_most(megabytes=10, cpu=5), pytest.raises(CheckpointError, match=r"declares \(1000000000000,\)"):
        load(path)


def test_a_compressed_entry_that_would_inflate_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.npz"
    header = {"descr": "|u1", "fortran_order": False, "shape": (64 * MB,)}
    _write_checkpoint(path, {"__gradstep__": "ndarray", "key": "array_0"},
                      {"array_0.npy": _npy_entry(header, bytes(64 * MB))}, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < MB  # 64 MiB of zeros in about 64 KB
    with costs_at_most(megabytes=10, cpu=5), pytest.raises(CheckpointError, match="is compressed; gradstep stores"):
        load(path)


def test_json_nested_beyond_the_limit_is_refused_without_recursing(tmp_path):
    path = tmp_path / "deep.npz"
    # The document wraps the tree in two dicts of its own: this is as deep as a checkpoint may go.
    deepest = json.loads("[" * (serialization.MAX_JSON_DEPTH - 2) + "]" * (serialization.MAX_JSON_DEPTH - 2))
    save({"ok": deepest}, tmp_path / "just-inside.npz")
    document = ('{"format": "gradstep-checkpoint", "version": 2, "tree": ' + "[" * 100_000 + "]" * 100_000
                + "}").encode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__json__.npy", _npy_entry(
            {"descr": "|u1", "fortran_order": False, "shape": (len(document),)}, document))
    with costs_at_most(megabytes=30, cpu=5), pytest.raises(CheckpointError, match="nests 100001 levels deep"):
        load(path)
    assert load(tmp_path / "just-inside.npz")["ok"] == deepest


def test_a_zip_listing_more_entries_than_a_checkpoint_has_is_refused_before_zipfile_reads_them(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(serialization.MAX_ARRAYS + 2):
            archive.writestr(f"array_{index}.npy", b"")
    with costs_at_most(megabytes=5, cpu=5), pytest.raises(CheckpointError, match="10,002 entries"):
        load(path)


def test_a_document_larger_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "big-document.npz"
    size = serialization.MAX_DOCUMENT_BYTES + 1
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__json__.npy", _npy_entry({"descr": "|u1", "fortran_order": False, "shape": (size,)},
                                                    b" " * size))
    with costs_at_most(megabytes=5, cpu=5), pytest.raises(CheckpointError, match="more than the limit of 16,777,216"):
        load(path)


def test_a_file_larger_than_the_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "sparse.npz"
    with open(path, "wb") as file:
        file.truncate(serialization.MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    with costs_at_most(megabytes=5, cpu=5), pytest.raises(CheckpointError, match="more than the 1,073,741,824"):
        load(path)


def test_a_fifo_named_like_a_checkpoint_is_refused_at_once(tmp_path):
    import os

    os.mkfifo(tmp_path / "checkpoint.npz")
    with no_hang(), pytest.raises(CheckpointError, match="checkpoint.npz: cannot read it: .*not a regular file"):
        load(tmp_path / "checkpoint.npz")
