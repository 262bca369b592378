"""`gradstep train`, `eval` and `predict` used as a careful user would, with faults and mistakes.

Every expected failure is one line on stderr and exit code 2, and leaves nothing
behind: no substituted data, no mixed runs, no empty folders, no half files.
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

import gradstep.atomic
from gradstep.cli import main
from gradstep.serialization import load, save
from gradstep.train import run as run_module
from gradstep.train.checkpoint import TrainingCheckpoint
from gradstep.train.weights import load_weights

from datasets_helpers import write_split
from limits_helpers import costs_at_most
from train_helpers import SHORT, assert_every_file_complete_or_absent, assert_same_weights, weights

QUICK = ["--train-size", "128", "--batch-size", "32", "--epochs", "1", "--log-format", "none"]


@pytest.fixture(autouse=True)
def skip_pictures(monkeypatch):
    """Drawing takes most of a short run's time; these tests are about everything else."""
    monkeypatch.setattr(run_module, "_draw_pictures", lambda *args: None)


@pytest.fixture(scope="module", params=["numpy", "torch"])
def trained(request, tmp_path_factory):
    """A finished quick run per engine; tests copy it before changing anything."""
    folder = tmp_path_factory.mktemp(request.param) / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "_draw_pictures", lambda *args: None)
        assert main(["train", "--engine", request.param, "--out", str(folder), *QUICK]) == 0
    return folder


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err


def copy_of(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    return copy


# --- data: read only what was asked for -------------------------------------------------------

def test_data_missing_from_the_given_folder_is_an_error_naming_the_file_and_the_folder_stays_untouched(
        tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("my own file")
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), *QUICK]) == 2
    error = one_line_error(capsys)
    assert "train-images-idx3-ubyte.gz: not found" in error and str(data) in error
    assert [path.name for path in data.iterdir()] == ["notes.txt"]
    assert not (tmp_path / "run").exists()
    for command in (["eval", "--data", str(data)], ["predict", "--index", "0", "--data", str(data)]):
        run = str(tmp_path / "never")
        assert main([command[0], run, *command[1:]]) == 2
    assert [path.name for path in data.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("layout", ["DIR/FashionMNIST/raw", "DIR/raw"])
def test_data_in_torchvisions_layout_is_read(tmp_path, layout):
    raw = tmp_path / layout.replace("DIR", "data")
    train_images, _ = write_split(raw, "train", count=64, compress=False)
    write_split(raw, "test", count=20)
    argv = ["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--train-size", "64",
            "--batch-size", "32", "--epochs", "1", "--log-format", "none"]
    assert main(argv) == 0
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["config"]["train_size"] == 64
    assert sorted(path.name for path in raw.iterdir()) == sorted(  # nothing was added to the folder
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"])
    assert train_images.shape == (64, 28, 28)


# --- run folders: never shared ----------------------------------------------------------------

def test_two_runs_started_in_the_same_second_get_their_own_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda *args: "20250101-120000")
    assert main(["train", *QUICK]) == 0
    assert main(["train", *QUICK, "--seed", "7"]) == 0
    first, second = Path("runs/20250101-120000"), Path("runs/20250101-120000-2")
    assert TrainingCheckpoint.load(first / "checkpoint.npz").config["seed"] == 420
    assert TrainingCheckpoint.load(second / "checkpoint.npz").config["seed"] == 7
    assert json.loads((second / "metrics.json").read_text())["config"]["seed"] == 7


def test_two_runs_given_the_same_out_at_once_one_trains_and_the_other_refuses(tmp_path):
    folder = tmp_path / "run"
    command = [sys.executable, "-m", "gradstep", "train", "--out", str(folder), *SHORT]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [(process.wait(timeout=600), process.stderr.read()) for process in processes]
    assert sorted(code for code, _ in results) == [0, 2], results
    refusal = next(error for code, error in results if code == 2)
    assert refusal.count("\n") == 1 and str(folder) in refusal
    assert "being used by another" in refusal or "already holds files" in refusal
    assert_every_file_complete_or_absent(folder)
    assert TrainingCheckpoint.load(folder / "checkpoint.npz").epochs_done == 2


def test_a_run_in_use_cannot_be_resumed_by_a_second_process(trained, tmp_path, capsys):
    from gradstep.train.run_folder import resumed_run_folder

    folder = copy_of(trained, tmp_path)
    with resumed_run_folder(folder):  # as a training process holds it
        assert main(["train", "--resume", str(folder), "--epochs", "2"]) == 2
    assert "is being used by another gradstep run" in one_line_error(capsys)


def test_out_naming_a_file_or_a_full_folder_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a folder")
    assert main(["train", "--out", str(tmp_path / "notes.txt"), *QUICK]) == 2
    assert "notes.txt is a file, not a folder" in one_line_error(capsys)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    assert main(["train", "--out", str(tmp_path / "full"), *QUICK]) == 2
    assert "already holds files" in one_line_error(capsys)
    assert [path.name for path in (tmp_path / "full").iterdir()] == ["mine.txt"]


def test_an_unwritable_out_is_refused_in_one_line(tmp_path, capsys):
    if os.geteuid() == 0:  # root writes anywhere chmod allows nothing; sysfs refuses even root
        parent = Path("/sys")
    else:
        parent = tmp_path / "read-only"
        parent.mkdir()
        parent.chmod(0o555)
    assert main(["train", "--out", str(parent / "gradstep-run"), *QUICK]) == 2
    error = one_line_error(capsys)
    assert f"cannot create the folder {parent / 'gradstep-run'}" in error


# --- writing fails part-way -----------------------------------------------------------------

def test_a_full_disk_at_save_time_keeps_the_previous_checkpoint_and_says_which_file(tmp_path):
    folder = tmp_path / "run"
    assert main(["train", "--out", str(folder), *SHORT, "--epochs", "1"]) == 0
    before = (folder / "checkpoint.npz").read_bytes()

    def full_disk():  # no file may grow past 100 kB: the next checkpoint cannot be written
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    command = [sys.executable, "-m", "gradstep", "train", "--resume", str(folder), "--epochs", "2",
               "--log-format", "none"]
    result = subprocess.run(command, capture_output=True, text=True, preexec_fn=full_disk, timeout=600)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{folder / 'checkpoint.npz'}: File too large" in result.stderr
    assert (folder / "checkpoint.npz").read_bytes() == before
    assert not list(folder.glob(".*.part"))

    straight = tmp_path / "straight"
    assert main(["train", "--out", str(straight), *SHORT]) == 0
    assert main(["train", "--resume", str(folder), "--epochs", "2", "--log-format", "none"]) == 0
    assert_same_weights(folder, weights(straight))


def test_a_folder_turned_read_only_at_save_time_is_one_line_and_keeps_the_checkpoint(tmp_path, monkeypatch,
                                                                                       capsys):
    folder = tmp_path / "run"
    assert main(["train", "--out", str(folder), *SHORT, "--epochs", "1"]) == 0
    before = (folder / "checkpoint.npz").read_bytes()

    def read_only(*args, **kwargs):  # what mkstemp meets in a folder made read-only meanwhile
        raise PermissionError(13, "Permission denied", str(folder / ".checkpoint.npz.x.part"))

    monkeypatch.setattr(gradstep.atomic.tempfile, "mkstemp", read_only)
    assert main(["train", "--resume", str(folder), "--epochs", "2", "--log-format", "none"]) == 2
    assert f"{folder / 'checkpoint.npz'}: Permission denied" in one_line_error(capsys)
    assert (folder / "checkpoint.npz").read_bytes() == before


# --- checkpoints and weights that do not fit ----------------------------------------------------

def change_weights(folder: Path, change) -> None:
    """Rewrite model.safetensors with `change` applied to its arrays, keeping its metadata."""
    arrays, config = load_weights(folder / "model.safetensors")
    save_file(change(arrays), folder / "model.safetensors",
              metadata={"format": "gradstep-weights", "config": json.dumps(config)})


WEIGHT_FAULTS = {
    "transposed": (lambda a: {**a, "1.weight": np.ascontiguousarray(a["1.weight"].T)},
                   "1.weight has shape (784, 128), the model's is (128, 784)"),
    "missing": (lambda a: {"1.weight": a["1.weight"]}, "missing: 3.weight"),
    "extra": (lambda a: {**a, "5.weight": a["3.weight"]}, "not in the model: 5.weight"),
    "float64": (lambda a: {**a, "3.weight": a["3.weight"].astype(np.float64)}, "3.weight holds float64"),
    "int32": (lambda a: {**a, "3.weight": a["3.weight"].astype(np.int32)}, "3.weight holds int32"),
    "float16": (lambda a: {**a, "3.weight": a["3.weight"].astype(np.float16)}, "3.weight holds float16"),
}


@pytest.mark.parametrize("fault", WEIGHT_FAULTS, ids=WEIGHT_FAULTS)
@pytest.mark.parametrize("command", [["eval"], ["predict", "--index", "0"]], ids=["eval", "predict"])
def test_weights_that_do_not_fit_the_model_are_one_line(trained, tmp_path, capsys, fault, command):
    folder = copy_of(trained, tmp_path)
    change, complaint = WEIGHT_FAULTS[fault]
    change_weights(folder, change)
    assert main([command[0], str(folder), *command[1:]]) == 2
    error = one_line_error(capsys)
    assert "model.safetensors" in error and complaint in error


def change_checkpoint(folder: Path, change) -> None:
    state = load(folder / "checkpoint.npz", tensor_from_numpy=np.asarray)
    change(state)
    save(state, folder / "checkpoint.npz")


def _set(path: str, value):
    def change(state):
        *parents, last = path.split(".")
        for key in parents:
            state = state[key]
        state[last] = value
    return change


CHECKPOINT_FAULTS = {
    "wrong shape": (lambda s: s["model"].update({"1.weight": np.zeros((128, 783), np.float32)}),
                    "1.weight has shape (128, 783), the model's is (128, 784)"),
    "missing weight": (lambda s: s["model"].pop("3.weight"), "missing: 3.weight"),
    "float64 weight": (lambda s: s["model"].update({"3.weight": s["model"]["3.weight"].astype(np.float64)}),
                       "3.weight holds float64"),
    "epoch as text": (_set("epoch", "one"), "epoch: expected a count of epochs, got 'one'"),
    "negative epoch": (_set("epoch", -5), "epoch: expected a count of epochs, got -5"),
    "no totals": (lambda s: s.pop("epoch_totals"), "lacks 'epoch_totals'"),
    "samples zero": (_set("epoch_totals.batches", 3), "epoch_totals: the counts disagree"),
    "loss as text": (_set("epoch_totals.loss_sum", "0.5"), "epoch_totals: expected counts and finite sums"),
    "history row": (lambda s: s["history"][0].update({"train_loss": None}), "history: epoch 1: train_loss is None"),
    "history short": (_set("history", []), "expected a row for each of the 1 finished epochs"),
    "config type": (_set("config.batch_size", "big"), "batch_size must be a whole number"),
    "config key": (_set("config.colour", "red"), "unknown settings: colour"),
    "optimizer buffers": (lambda s: s["optimizer"]["state"][0].update(
        {"momentum_buffer": np.zeros((3, 3), np.float32)}), "momentum_buffer for parameter 0 has shape (3, 3)"),
    "optimizer params": (_set("optimizer.param_groups", []), "does not match this optimizer's parameter groups"),
    "generator": (_set("generator_state", {"initial_seed": 1}), "generator_state cannot be restored"),
}


@pytest.mark.parametrize("fault", CHECKPOINT_FAULTS, ids=CHECKPOINT_FAULTS)
def test_resuming_a_checkpoint_that_does_not_fit_is_one_line(trained, tmp_path, capsys, fault):
    folder = copy_of(trained, tmp_path)
    if fault == "generator" and trained.parent.name.startswith("torch"):
        pytest.skip("the torch engine shuffles with a DistributedSampler, which keeps no generator")
    change, complaint = CHECKPOINT_FAULTS[fault]
    change_checkpoint(folder, change)
    before = (folder / "checkpoint.npz").read_bytes()
    assert main(["train", "--resume", str(folder), "--epochs", "2", "--log-format", "none"]) == 2
    error = one_line_error(capsys)
    assert "checkpoint.npz" in error and complaint in error
    assert (folder / "checkpoint.npz").read_bytes() == before


# --- what is not installed, or not sensible ------------------------------------------------------

def test_the_torch_engine_without_torch_is_one_line_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    assert main(["train", "--engine", "torch", "--out", str(tmp_path / "run"), *QUICK]) == 2
    assert "the torch engine needs torch, which cannot be imported" in one_line_error(capsys)
    assert not (tmp_path / "run").exists()


def test_a_model_trained_on_torch_evaluates_without_torch_on_the_numpy_engine(trained, monkeypatch, capsys):
    if not trained.parent.name.startswith("torch"):
        pytest.skip("about a run of the torch engine")
    expected = json.loads((trained / "metrics.json").read_text())["test_accuracy"]
    monkeypatch.setitem(sys.modules, "torch", None)
    assert main(["eval", str(trained)]) == 2
    assert "pip install 'gradstep[torch]'; or compute with gradstep's own engine: --engine numpy" in \
        one_line_error(capsys)
    assert main(["eval", str(trained), "--engine", "numpy"]) == 0
    assert f"accuracy {expected:.2%} on 10000 images" in capsys.readouterr().out


def test_a_model_evaluates_the_same_on_the_other_engine(trained, capsys):
    expected = json.loads((trained / "metrics.json").read_text())
    other = "numpy" if expected["engine"] == "torch" else "torch"
    assert main(["eval", str(trained), "--engine", other]) == 0
    assert f"accuracy {expected['test_accuracy']:.2%} on 10000 images" in capsys.readouterr().out


@pytest.mark.parametrize("argv, complaint", [
    (["--momentum", "-1"], "--momentum: must be at least 0 and less than 1, got -1"),
    (["--momentum", "1e9"], "--momentum: must be at least 0 and less than 1, got 1e9"),
    (["--lr", "inf"], "--lr: must be a finite number more than 0, got inf"),
    (["--lr", "nan"], "--lr: must be a finite number more than 0, got nan"),
    (["--seed", "-1"], "--seed: must be from 0 to 2**63 - 1, got -1"),
    (["--val-size", "60000"], "val_size 60000 leaves nothing to train on"),
    (["--train-size", "70000"], "train_size 70000 is more than the 60000 training images"),
    (["--val-size", "10000", "--train-size", "55000"],
     "train_size 55000 is more than the 50000 training images left after the validation images"),
    (["--hidden", ",".join(["8"] * 17)], "hidden must be 1 to 16 positive sizes"),
    (["--device", "cuda"], "the numpy engine computes on the CPU only; --device cuda needs --engine torch"),
])
def test_nonsense_settings_are_refused_before_training_in_one_line(tmp_path, capsys, argv, complaint):
    assert main(["train", "--out", str(tmp_path / "run"), *QUICK, *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and complaint in captured.err, captured.err
    assert not (tmp_path / "run").exists()


def test_a_gpu_that_is_not_there_is_refused(tmp_path, capsys):
    import torch

    missing = [name for name, present in (("cuda", torch.cuda.is_available()),
                                          ("mps", torch.backends.mps.is_available())) if not present]
    if not missing:
        pytest.skip("this machine has every kind of GPU")
    assert main(["train", "--engine", "torch", "--device", missing[0], "--out", str(tmp_path / "run"), *QUICK]) == 2
    assert f"device '{missing[0]}' is not available on this machine" in one_line_error(capsys)


def test_a_network_too_large_is_refused_before_allocating_it(tmp_path, capsys):
    with costs_at_most(megabytes=50, cpu=10):
        assert main(["train", "--hidden", "100000,100000", "--out", str(tmp_path / "run"), *QUICK]) == 2
    error = one_line_error(capsys)
    assert "a 784-100000-100000-10 network has 10,079,400,000 weights, more than the 50,000,000" in error


# --- what each run reports -------------------------------------------------------------------

def test_per_epoch_columns_say_test_or_val_and_the_test_set_is_reported_once(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "plain"), *SHORT, "--log-format", "bar"]) == 0
    plain = capsys.readouterr().out
    assert main(["train", "--out", str(tmp_path / "split"), *SHORT, "--val-size", "1000", "--log-format", "bar"]) == 0
    split = capsys.readouterr().out

    assert (tmp_path / "plain" / "history.csv").read_text().splitlines()[0] == \
        "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds"
    assert (tmp_path / "split" / "history.csv").read_text().splitlines()[0] == \
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds"
    assert "| test loss " in plain and "| val loss " not in plain
    assert "| val loss " in split and "| test loss " not in split
    for output in (plain, split):
        assert output.count("Test accuracy") == 1
    metrics = json.loads((tmp_path / "split" / "metrics.json").read_text())
    assert {"val_accuracy", "test_accuracy"} <= set(metrics) and metrics["config"]["val_size"] == 1000
    assert TrainingCheckpoint.load(tmp_path / "split" / "checkpoint.npz").config["val_size"] == 1000
