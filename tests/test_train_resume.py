"""Stopped anywhere, by Ctrl-C or by SIGKILL, a run resumes to the very weights of a run that never stopped.

Every stop is a real signal: SIGINT sent to this process from inside training,
evaluation or saving, and SIGKILL sent to a subprocess (tests/kill_driver.py)
at a batch, during evaluation, or half-way through writing each kind of file.
"""
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradstep.serialization
import gradstep.train.loop
from gradstep.cli import main
from gradstep.train import run as run_module

from train_helpers import RUN_FILES, SHORT, SignalAt, assert_every_file_complete_or_absent, assert_same_weights, weights

CONFIGS = {
    "cosine": ["--lr-schedule", "cosine"],
    "adam-validation": ["--optimizer", "adam", "--val-size", "500"],
    "torch-cosine": ["--engine", "torch", "--lr-schedule", "cosine"],
    "cnn": ["--model", "cnn", "--optimizer", "adam", "--lr-schedule", "cosine", "--val-size", "64"],
}
KILL_DRIVER = Path(__file__).parent / "kill_driver.py"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The final weights of each configuration trained without a stop, computed once."""
    finished = {}

    def weights_of(name):
        if name not in finished:
            folder = tmp_path_factory.mktemp(name) / "run"
            with pytest.MonkeyPatch.context() as patch:
                skip_pictures(patch)
                assert main(["train", "--out", str(folder), *SHORT, *CONFIGS[name]]) == 0
            finished[name] = weights(folder)
        return finished[name]

    return weights_of


def skip_pictures(monkeypatch) -> None:
    """Drawing takes most of a short run's time and does not touch the weights; the test killing it draws."""
    monkeypatch.setattr(run_module, "_draw_pictures", lambda *args: None)


def interrupting(monkeypatch, point: str) -> None:
    """Make Ctrl-C arrive at `point`: as a real SIGINT to this process, from inside the running code."""
    if point == "mid-epoch":  # during batch 3 of epoch 2, before its update
        monkeypatch.setattr(gradstep.train.loop, "sum_over_processes",
                            SignalAt(gradstep.train.loop.sum_over_processes, count=13))
    elif point == "evaluation":  # after the first batch of the measurement that ends epoch 1
        real_evaluate = gradstep.train.loop.evaluate

        def evaluate(model, loader, *args):
            def batches():
                for number, batch in enumerate(loader):
                    yield batch
                    if number == 0:
                        signal.raise_signal(signal.SIGINT)

            return real_evaluate(model, batches(), *args)

        monkeypatch.setattr(gradstep.train.loop, "evaluate", evaluate)
    elif point == "saving":  # while the checkpoint of epoch 1 is being written
        monkeypatch.setattr(gradstep.serialization.np, "savez", SignalAt(np.savez))


@pytest.mark.parametrize("point", ["mid-epoch", "evaluation", "saving"])
@pytest.mark.parametrize("config", ["cosine", "adam-validation", "cnn"])
def test_ctrl_c_anywhere_then_resume_gives_the_uninterrupted_weights(tmp_path, monkeypatch, uninterrupted,
                                                                       config, point):
    skip_pictures(monkeypatch)
    folder = tmp_path / "run"
    with pytest.MonkeyPatch.context() as patch:
        interrupting(patch, point)
        assert main(["train", "--out", str(folder), *SHORT, *CONFIGS[config]]) == 130
    assert_every_file_complete_or_absent(folder)

    assert main(["train", "--resume", str(folder), "--log-format", "none"]) == 0
    assert_same_weights(folder, uninterrupted(config))


def test_ctrl_c_during_evaluation_resumes_exactly_on_the_torch_engine(tmp_path, monkeypatch, uninterrupted):
    skip_pictures(monkeypatch)
    folder = tmp_path / "run"
    with pytest.MonkeyPatch.context() as patch:
        interrupting(patch, "evaluation")
        assert main(["train", "--out", str(folder), *SHORT, *CONFIGS["torch-cosine"]]) == 130
    assert main(["train", "--resume", str(folder), "--log-format", "none"]) == 0
    assert_same_weights(folder, uninterrupted("torch-cosine"))


@pytest.mark.parametrize("point, count", [
    ("batch", 13),        # batch 3 of epoch 2
    ("evaluation", 2),    # measuring epoch 2
    ("checkpoint", 2),    # writing the checkpoint of epoch 2
    ("weights", 1),       # writing the weights of epoch 1
    ("history", 1),       # writing history.csv at the end
    ("picture", 2),       # writing the second picture at the end
])
def test_sigkill_anywhere_leaves_whole_files_and_resume_gives_the_uninterrupted_weights(tmp_path, uninterrupted,
                                                                                        point, count):
    folder = tmp_path / "run"
    killed(point, count, ["train", "--out", str(folder), *SHORT, *CONFIGS["cosine"]])
    assert_every_file_complete_or_absent(folder)
    if point not in ("batch", "evaluation"):
        assert list(folder.glob(".*.part")), "the killed write should have left its temporary file"

    with pytest.MonkeyPatch.context() as patch:
        if point != "picture":
            skip_pictures(patch)
        assert main(["train", "--resume", str(folder), "--log-format", "none"]) == 0
    assert not list(folder.glob(".*.part")), "the next start removes what the killed run left half-written"
    assert {path.name for path in folder.iterdir()} >= {".lock", "checkpoint.npz", "model.safetensors",
                                                        "history.csv", "metrics.json"}
    if point == "picture":
        assert {path.name for path in folder.iterdir()} == {".lock", *RUN_FILES}
    assert_every_file_complete_or_absent(folder)
    assert_same_weights(folder, uninterrupted("cosine"))


def test_sigkill_before_the_first_save_leaves_a_folder_a_new_run_can_use(tmp_path, monkeypatch, uninterrupted,
                                                                         capsys):
    skip_pictures(monkeypatch)
    folder = tmp_path / "run"
    killed("evaluation", 1, ["train", "--out", str(folder), *SHORT, *CONFIGS["cosine"]])
    assert not (folder / "checkpoint.npz").exists()

    assert main(["train", "--resume", str(folder)]) == 2
    assert "holds no checkpoint.npz: the run stopped before its first save" in capsys.readouterr().err
    assert main(["train", "--out", str(folder), *SHORT, *CONFIGS["cosine"]]) == 0
    assert_same_weights(folder, uninterrupted("cosine"))


def killed(point: str, count: int, arguments: list[str]) -> None:
    """Run gradstep in a subprocess that is killed with SIGKILL at `point` (see kill_driver.py)."""
    command = [sys.executable, str(KILL_DRIVER), point, str(count), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr


def test_the_lesson_lines_count_on_across_a_resume(tmp_path, monkeypatch, capsys):
    skip_pictures(monkeypatch)
    lesson = ["--train-size", "320", "--batch-size", "32", "--epochs", "2", "--log-format", "lesson"]
    assert main(["train", "--out", str(tmp_path / "straight"), *lesson]) == 0
    straight = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]

    with pytest.MonkeyPatch.context() as patch:
        interrupting(patch, "mid-epoch")
        assert main(["train", "--out", str(tmp_path / "resumed"), *lesson]) == 130
    assert main(["train", "--resume", str(tmp_path / "resumed"), "--log-format", "lesson"]) == 0
    resumed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]

    assert straight == ["Epoch1:[320/640(50%)]" + straight[0].split("]", 1)[1],
                        "Epoch2:[640/640(100%)]" + straight[1].split("]", 1)[1]]
    assert resumed == straight


def test_the_cosine_schedule_cannot_be_stretched_on_resume(tmp_path, monkeypatch, capsys):
    skip_pictures(monkeypatch)
    folder = tmp_path / "run"
    assert main(["train", "--out", str(folder), *SHORT, "--epochs", "1", "--lr-schedule", "cosine"]) == 0
    assert main(["train", "--resume", str(folder), "--epochs", "3"]) == 2
    assert "--epochs cannot change with --lr-schedule cosine" in capsys.readouterr().err
