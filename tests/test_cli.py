"""The gradstep command: train a quick run, evaluate and question it, and fail in one clear line."""
import json
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

import gradstep
from gradstep.cli import main
from gradstep.serialization import load
from gradstep.train import Callback
from gradstep.train import run as run_module

QUICK = ["--epochs", "1", "--train-size", "256", "--batch-size", "64", "--log-format", "none"]


@pytest.fixture(scope="module", params=["numpy", "torch"])
def run_dir(request, tmp_path_factory):
    """One quick training run per engine, shared by the tests that read its files."""
    out = tmp_path_factory.mktemp(f"run-{request.param}")
    assert main(["train", "--engine", request.param, "--out", str(out), *QUICK]) == 0
    return out


def test_train_writes_metrics_history_checkpoint_weights_and_pictures(run_dir):
    assert sorted(path.name for path in run_dir.iterdir()) == [
        ".lock", "checkpoint.npz", "confusion_matrix.png", "curves.png", "first_layer.png", "history.csv",
        "metrics.json", "model.safetensors", "predictions.png"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert 0.3 < metrics["test_accuracy"] <= 1 and metrics["test_loss"] > 0
    assert len(metrics["epoch_seconds"]) == 1
    assert metrics["config"]["train_size"] == 256 and metrics["config"]["hidden"] == [128]
    assert {"python", "numpy", "gradstep"} <= set(metrics["versions"])
    assert (run_dir / "history.csv").read_text().count("\n") == 2

    for name in ("curves.png", "confusion_matrix.png", "predictions.png", "first_layer.png"):
        picture = matplotlib.image.imread(run_dir / name)
        assert picture.shape[0] > 400 and picture.shape[1] > 400, name
        assert picture[..., :3].std() > 0.05, f"{name} looks blank"


def test_the_lesson_model_is_saved_with_its_settings(run_dir):
    state = load(run_dir / "checkpoint.npz", tensor_from_numpy=np.asarray)
    assert {name: value.shape for name, value in state["model"].items()} == {
        "1.weight": (128, 784), "3.weight": (10, 128)}
    assert (state["epoch"], state["epoch_totals"]["batches"]) == (1, 0)
    assert state["config"]["lr"] == 0.15 and state["config"]["momentum"] == 0.8
    assert state["config"]["model"] == "mlp"


def test_train_prints_the_test_accuracy(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path), *QUICK]) == 0
    accuracy = json.loads((tmp_path / "metrics.json").read_text())["test_accuracy"]
    assert f"Test accuracy: {accuracy:.2%}" in capsys.readouterr().out


def test_eval_reports_what_training_measured(run_dir, capsys):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert main(["eval", str(run_dir)]) == 0
    assert f"accuracy {metrics['test_accuracy']:.2%} on 10000 images" in capsys.readouterr().out


def test_predict_a_test_image_prints_the_top_three(run_dir, capsys):
    assert main(["predict", str(run_dir), "--index", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Test image 0 (true class: Ankle boot):"
    probabilities = [float(line.rsplit(maxsplit=1)[1].rstrip("%")) for line in lines[1:]]
    assert len(probabilities) == 3 and probabilities == sorted(probabilities, reverse=True)


def test_predict_a_png_on_a_white_background_matches_the_test_image(run_dir, tmp_path, capsys):
    from gradstep.datasets import FashionMNIST

    image, _ = FashionMNIST(train=False)[0]
    photo = np.kron(1 - image.numpy()[0], np.ones((3, 3)))  # 84x84, dark boot on white
    matplotlib.image.imsave(tmp_path / "boot.png", photo, cmap="gray", vmin=0, vmax=1)

    assert main(["predict", str(run_dir), "--index", "0"]) == 0
    from_test_set = capsys.readouterr().out.splitlines()[1:]
    assert main(["predict", str(run_dir), str(tmp_path / "boot.png")]) == 0
    from_png = capsys.readouterr().out.splitlines()[1:]
    assert [line.split()[0] for line in from_png] == [line.split()[0] for line in from_test_set]


def test_resuming_a_finished_epoch_gives_the_uninterrupted_weights(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    options = ["--train-size", "128", "--batch-size", "32", "--log-format", "none"]
    assert main(["train", "--epochs", "2", "--out", str(straight), *options]) == 0
    assert main(["train", "--epochs", "1", "--out", str(resumed), *options]) == 0
    assert main(["train", "--resume", str(resumed), "--epochs", "2", "--log-format", "none"]) == 0

    expected = load(straight / "checkpoint.npz", tensor_from_numpy=np.asarray)
    actual = load(resumed / "checkpoint.npz", tensor_from_numpy=np.asarray)
    for name, value in expected["model"].items():
        assert np.array_equal(actual["model"][name], value), name
    assert actual["epoch"] == 2


def test_ctrl_c_during_training_says_how_to_resume(tmp_path, capsys, monkeypatch):
    real_fit = run_module.fit

    def interrupted_after_a_batch(*args, **kwargs):
        class Stop(Callback):
            def on_batch_end(self, epoch, step, loss):
                raise KeyboardInterrupt

        return real_fit(*args, callbacks=[Stop()], **kwargs)

    monkeypatch.setattr(run_module, "fit", interrupted_after_a_batch)
    assert main(["train", "--engine", "torch", "--out", str(tmp_path / "run"), *QUICK]) == 130
    assert f"gradstep train --resume {tmp_path / 'run'}" in capsys.readouterr().err
    assert (tmp_path / "run" / "checkpoint.npz").is_file()


def test_ctrl_c_before_the_first_save_offers_no_resume_and_leaves_no_folder(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "fit", interrupted)
    assert main(["train", "--out", str(tmp_path / "run"), *QUICK]) == 130
    assert "--resume" not in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    monkeypatch.undo()
    assert main(["train", "--out", str(tmp_path / "run"), *QUICK]) == 0  # the name is free for the next run


@pytest.mark.parametrize("argv, message", [
    (["train", "--lr", "fast"], "--lr: expected a number"),
    (["train", "--hidden", "256,x"], "--hidden: expected sizes separated by commas"),
    (["train", "--epochs", "0"], "--epochs: must be a finite number more than 0"),
    (["train", "--engine", "gpu"], "invalid choice: 'gpu'"),
    (["train", "--resume", "no-such-run"], "no such file: no-such-run"),
    (["eval", "no-such-run"], "no such file: no-such-run"),
    (["predict", "no-such.npz"], "one of the arguments IMAGE.png --index is required"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_arguments_fail_with_one_line_and_exit_code_2(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err, captured.err


def test_resume_refuses_to_change_the_saved_settings(run_dir, capsys):
    assert main(["train", "--resume", str(run_dir), "--lr", "0.5"]) == 2
    assert "--lr cannot be given with --resume" in capsys.readouterr().err


def test_damaged_weights_or_image_fails_with_one_line(run_dir, tmp_path, capsys):
    (tmp_path / "broken.safetensors").write_bytes(b"not a weights file")
    (tmp_path / "notes.png").write_text("not a picture")
    assert main(["eval", str(tmp_path / "broken.safetensors")]) == 2
    assert main(["predict", str(run_dir), str(tmp_path / "notes.png")]) == 2
    assert main(["eval", str(run_dir / "checkpoint.npz")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert "broken.safetensors: not a valid safetensors file" in errors[0]
    assert "notes.png: cannot read it as an image" in errors[1]
    assert "checkpoint.npz is a training checkpoint, for --resume; give the run folder" in errors[2]
    assert len(errors) == 3


def test_version():
    result = subprocess.run([sys.executable, "-m", "gradstep", "--version"], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, f"gradstep {gradstep.__version__}\n")


def test_help_imports_neither_torch_nor_matplotlib():
    code = ("import sys; from gradstep.cli import main; main(['--help']); main(['train', '--help']); "
            "print(sorted({'torch', 'matplotlib', 'tqdm'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
    assert "usage: gradstep train" in result.stdout and "demo" in result.stdout


def test_every_engine_optimizer_and_log_format_the_lesson_knows_is_accepted():
    from gradstep.cli import build_parser
    from gradstep.train import LOG_FORMATS
    from gradstep.train.lesson import ENGINES, OPTIMIZERS

    parser = build_parser()
    for option, values in (("--engine", ENGINES), ("--optimizer", OPTIMIZERS), ("--log-format", LOG_FORMATS)):
        for value in values:
            assert getattr(parser.parse_args(["train", option, value]), option[2:].replace("-", "_")) == value


def test_a_learning_rate_that_blows_up_stops_with_advice(tmp_path, capsys):
    argv = ["train", "--lr", "1e6", "--train-size", "1280", "--out", str(tmp_path), "--log-format", "none"]
    with np.errstate(all="ignore"):
        assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "diverged at epoch 1" in error and "smaller learning rate" in error


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    command = [sys.executable, "-u", "-m", "gradstep", "train", "--train-size", "2000", "--epochs", "3",
               "--log-format", "lesson", "--out", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("Training on the numpy engine")
    process.stdout.close()  # like `gradstep train | head -1`
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr
