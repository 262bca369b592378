"""gradstep train --model cnn: the CNN trains, saves, evaluates and loads into PyTorch like the MLP."""
import matplotlib.image
import numpy as np
import pytest

from gradstep.cli import main
from gradstep.train import run as run_module
from gradstep.train.cnn import build_cnn
from gradstep.train.evaluation import feature_maps


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


@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_a_cnn_run_draws_its_kernels_and_what_they_see(tmp_path, engine):
    if engine == "torch":
        pytest.importorskip("torch")
    folder = tmp_path / "run"
    assert main(["train", "--model", "cnn", "--engine", engine, "--out", str(folder), "--train-size", "128",
                 "--epochs", "1", "--log-format", "none"]) == 0
    for name in ("first_layer.png", "feature_maps.png"):
        picture = matplotlib.image.imread(folder / name)
        assert picture.shape[0] > 300 and picture.shape[1] > 600, name
        assert picture[..., :3].std() > 0.05, f"{name} looks blank"


def test_feature_maps_are_the_first_blocks_output_in_evaluation_mode():
    import gradstep

    gradstep.manual_seed(0)
    model = build_cnn(gradstep)
    images = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    model.train()
    maps = feature_maps(model, images)
    assert model.training  # given back in the mode it had
    model.eval()
    expected = model[2](model[1](model[0](gradstep.from_numpy(images)))).detach().numpy()
    np.testing.assert_array_equal(maps, expected)
