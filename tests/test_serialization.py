"""Checkpoints: nested state round-trips through one .npz file, without pickle, atomically."""
import json
import zipfile

import numpy as np
import pytest
import torch

import gradstep
from gradstep import serialization
from gradstep.serialization import CheckpointError, load, save


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
    document = json.dumps({"format": "gradstep-checkpoint", "version": 1,
                           "tree": {"__gradstep__": "ndarray", "key": "payload"}})
    np.savez(path, __json__=np.array(document), payload=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="evil.npz.*[Oo]bject arrays"):
        load(path)


def test_saving_an_object_array_or_unknown_type_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match=r"objects \(at model.bad\)"):
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
