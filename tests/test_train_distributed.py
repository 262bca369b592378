"""torchrun: two CPU processes (gloo, on 127.0.0.1) train as one process does with the same global batch."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch.distributed
from safetensors.numpy import load_file

from gradstep.cli import main
from gradstep.train import run as run_module
from gradstep.train.checkpoint import TrainingCheckpoint

from train_helpers import assert_every_file_complete_or_absent

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="this PyTorch has no gloo backend")

# 32 global batches of 64 (32 per process) per epoch.
SETTINGS = ["--engine", "torch", "--train-size", "2048", "--batch-size", "64"]
DRIVER = Path(__file__).parent / "rank_weights_driver.py"


def torchrun(*arguments: str) -> subprocess.CompletedProcess:
    with socket.socket() as probe:  # a free port on the loopback interface for the processes to meet on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    if "lo" in dict(socket.if_nameindex()).values():
        environment["GLOO_SOCKET_IFNAME"] = "lo"  # gloo's own connections stay on 127.0.0.1 too
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
               "--master-port", str(port), *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Epoch 1 with `torchrun -m gradstep train`, then epoch 2 resumed under torchrun, each process's weights kept."""
    folder = tmp_path_factory.mktemp("torchrun") / "run"
    first = torchrun("-m", "gradstep", "train", *SETTINGS, "--epochs", "1", "--out", str(folder),
                     "--log-format", "lesson")
    assert first.returncode == 0, first.stderr
    resumed = torchrun(str(DRIVER), str(folder.parent), "train", "--resume", str(folder), "--epochs", "2",
                       "--log-format", "none")
    assert resumed.returncode == 0, resumed.stderr
    return folder, first.stdout


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    folder = tmp_path_factory.mktemp("single") / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "_draw_pictures", lambda *args: None)
        assert main(["train", *SETTINGS, "--epochs", "2", "--out", str(folder), "--log-format", "none"]) == 0
    return folder


def test_two_processes_complete_a_run_that_only_the_first_writes_and_prints(two_processes):
    folder, output = two_processes
    assert output.count("Training on the torch engine (cpu, 2 processes): 1 epoch") == 1
    assert output.count("Epoch1:[2048/2048(100%)]") == 1  # counted over both processes' shares
    assert output.count("Test accuracy") == 1
    assert_every_file_complete_or_absent(folder)
    saved = TrainingCheckpoint.load(folder / "checkpoint.npz")
    assert saved.epochs_done == 2 and saved.config["epochs"] == 2
    assert saved.history[-1].epoch == 2


def test_every_process_ends_with_the_same_weights(two_processes):
    folder, _ = two_processes
    ranks = [load_file(folder.parent / f"rank{rank}.safetensors") for rank in (0, 1)]
    saved = load_file(folder / "model.safetensors")
    for name in saved:
        assert np.array_equal(ranks[0][name], ranks[1][name]), name
        assert np.array_equal(ranks[0][name], saved[name]), name


def test_two_processes_learn_what_one_does_with_the_same_global_batch(two_processes, one_process):
    both = json.loads((two_processes[0] / "metrics.json").read_text())
    one = json.loads((one_process / "metrics.json").read_text())
    assert (both["processes"], one["processes"]) == (2, 1)
    assert abs(both["test_accuracy"] - one["test_accuracy"]) <= 0.01
    # The sampler deals each process every other image of the same shuffled order, so the processes'
    # batches together are the batches of one process: the weights differ only by rounding.
    for name, value in load_file(one_process / "model.safetensors").items():
        np.testing.assert_allclose(load_file(two_processes[0] / "model.safetensors")[name], value, atol=1e-4)
