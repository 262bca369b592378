"""gradstep train --model cnn: the CNN trains, saves, evaluates and loads into PyTorch like the MLP."""
import pytest

from gradstep.cli import main
from gradstep.train import run as run_module
from gradstep.train.cnn import build_cnn


def test_the_cnn_trains_is_evaluated_and_its_weights_load_into_pytorch(tmp_path, monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    monkeypatch.setattr(run_module, "_draw_pictures", lambda *args: None)
    folder = tmp_path / "run"
    assert main(["train", "--model", "cnn", "--out", str(folder), "--train-size", "256", "--epochs", "1",
                 "--batch-size", "64", "--log-format", "none"]) == 0
    trained = capsys.readouterr().out.splitlines()[-2]
    assert main(["eval", str(folder)]) == 0
    evaluated = capsys.readouterr().out
    assert trained.split("(loss ")[1].rstrip(")") in evaluated  # the same test loss, from the saved weights
    model = build_cnn(torch)
    model.load_state_dict(load_file(folder / "model.safetensors"))  # num_batches_tracked keeps its 0-d shape
    assert model[1].num_batches_tracked.item() == 4
