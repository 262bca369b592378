"""model.safetensors: a run's weights load into PyTorch, PyTorch's load into gradstep, and bad files are refused."""
import json
import os

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import gradstep
from gradstep.cli import main
from gradstep.datasets import FashionMNIST
from gradstep.serialization import MAX_FILE_BYTES, CheckpointError
from gradstep.train import run as run_module
from gradstep.train.lesson import LessonConfig
from gradstep.train.models import build_mlp
from gradstep.train.run import load_trained_model
from gradstep.train.weights import load_weights, save_weights

from limits_helpers import costs_at_most, no_hang


@pytest.fixture(scope="module")
def images():
    pixels, _ = FashionMNIST(train=False).__getitems__(range(64))
    return np.asarray(pixels.numpy())


@pytest.fixture(scope="module")
def gradstep_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("numpy") / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "_draw_pictures", lambda *args: None)
        assert main(["train", "--out", str(folder), "--hidden", "64,32", "--train-size", "256", "--epochs", "1",
                     "--log-format", "none"]) == 0
    return folder


def test_a_runs_weights_load_into_pytorch_with_load_file_and_load_state_dict(gradstep_run, images):
    model = build_mlp(torch, hidden=(64, 32))
    model.load_state_dict(load_file(gradstep_run / "model.safetensors"))  # strict: every name, every shape

    trained = load_trained_model(gradstep_run).model
    with torch.no_grad(), gradstep.no_grad():
        expected = trained(gradstep.from_numpy(images)).numpy()
        actual = model(torch.from_numpy(images)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    assert (actual.argmax(1) == expected.argmax(1)).all()


def test_weights_saved_by_pytorch_load_into_gradstep(tmp_path, images):
    torch.manual_seed(3)
    model = build_mlp(torch, hidden=(64, 32))
    save_file(model.state_dict(), tmp_path / "model.safetensors")

    arrays, config = load_weights(tmp_path / "model.safetensors")
    assert config is None  # PyTorch wrote no gradstep settings
    ours = build_mlp(gradstep, hidden=(64, 32))
    ours.load_state_dict({name: gradstep.from_numpy(array) for name, array in arrays.items()})
    with torch.no_grad(), gradstep.no_grad():
        np.testing.assert_allclose(ours(gradstep.from_numpy(images)).numpy(),
                                   model(torch.from_numpy(images)).numpy(), rtol=1e-5, atol=1e-5)


def test_pytorch_weights_with_gradstep_settings_are_evaluated_by_the_command(tmp_path, capsys):
    torch.manual_seed(3)
    model = build_mlp(torch, hidden=(64,))
    config = LessonConfig(engine="torch", hidden=(64,)).to_dict()
    save_file(model.state_dict(), tmp_path / "model.safetensors",
              metadata={"format": "gradstep-weights", "config": json.dumps(config)})
    assert main(["eval", str(tmp_path / "model.safetensors"), "--engine", "numpy"]) == 0
    assert "on 10000 images" in capsys.readouterr().out

    save_file(model.state_dict(), tmp_path / "bare.safetensors")
    assert main(["eval", str(tmp_path / "bare.safetensors")]) == 2
    assert "records no gradstep settings" in capsys.readouterr().err


def test_save_weights_writes_the_settings_and_round_trips(tmp_path):
    model = gradstep.nn.Linear(3, 2)
    save_weights(model.state_dict(), tmp_path / "w.safetensors", {"model": "linear", "sizes": [3, 2]})
    arrays, config = load_weights(tmp_path / "w.safetensors")
    assert config == {"model": "linear", "sizes": [3, 2]}
    for name, value in model.state_dict().items():
        assert np.array_equal(arrays[name], value.detach().numpy())
    assert sorted(load_file(tmp_path / "w.safetensors")) == ["bias", "weight"]


@pytest.mark.parametrize("content, complaint", [
    ((2**40).to_bytes(8, "little") + b"{}", "the header declares 1,099,511,627,776 bytes"),
    (b"\x02", "fewer than the header's length takes"),
    (len(b"[" * 5000 + b"]" * 5000).to_bytes(8, "little") + b"[" * 5000 + b"]" * 5000, "nests 5000 levels deep"),
    (b'\x0c\x00\x00\x00\x00\x00\x00\x00["a list"]  ', "not a JSON object"),
], ids=["declared-header", "too-short", "deep-json", "not-an-object"])
def test_a_damaged_or_crafted_weights_file_is_refused_cheaply(tmp_path, content, complaint):
    (tmp_path / "bad.safetensors").write_bytes(content)
    with costs_at_most(megabytes=5, cpu=5), pytest.raises(CheckpointError, match=complaint):
        load_weights(tmp_path / "bad.safetensors")


def test_a_weights_file_over_the_limit_or_not_a_file_is_refused(tmp_path):
    with open(tmp_path / "sparse.safetensors", "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    with costs_at_most(megabytes=5, cpu=5), pytest.raises(CheckpointError, match="more than the 1,073,741,824"):
        load_weights(tmp_path / "sparse.safetensors")
    os.mkfifo(tmp_path / "model.safetensors")
    with no_hang(), pytest.raises(CheckpointError, match="not a regular file"):
        load_weights(tmp_path / "model.safetensors")
