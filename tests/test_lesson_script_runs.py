"""A PyTorch training script runs on gradstep with only its import lines changed.

The script is ordinary PyTorch: a Module subclass, a DataLoader, a fit() loop with
backward / step / zero_grad, an lr schedule, evaluation under no_grad. It runs once as
written and once with its imports pointed at gradstep, each in a fresh interpreter.
The two engines draw different random numbers, so the runs agree in behaviour, not in
digits: both must learn the task.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

PYTORCH_SCRIPT = textwrap.dedent(
    """
    import json
    import sys

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    from torch.utils.data import TensorDataset, DataLoader

    torch.manual_seed(0)

    # The lesson's toy data: 500 samples of 20 features in [0, 100); the class (0, 1 or 2)
    # says whether the first two features add up to little, middling or much.
    X = torch.rand((500, 20)) * 100
    total = X[:, 0] + X[:, 1]
    y = (total > 80).long() + (total > 120).long()
    X = X / 100

    train_loader = DataLoader(TensorDataset(X[:400], y[:400]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(X[400:], y[400:]), batch_size=50)


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(20, 13)
            self.fc2 = nn.Linear(13, 8)
            self.out = nn.Linear(8, 3)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = torch.sigmoid(self.fc2(x))
            return self.out(x)


    def accuracy(model, loader):
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in loader:
                correct += (model(xb).argmax(dim=1) == yb).sum().item()
        model.train()
        return correct / len(loader.dataset)


    def fit(model, epochs, loss_fn, optimizer, scheduler):
        history = []
        for epoch in range(epochs):
            total = 0.0
            for xb, yb in train_loader:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                total += loss.item() * len(xb)
            scheduler.step()
            history.append(total / len(train_loader.dataset))
        return history


    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.5)
    history = fit(model, 60, nn.CrossEntropyLoss(), optimizer, scheduler)
    print(json.dumps({
        "first_loss": history[0],
        "last_loss": history[-1],
        "val_accuracy": accuracy(model, val_loader),
        "lr": scheduler.get_last_lr()[0],
        "torch_imported": "torch" in sys.modules,
    }))
    """
)

GRADSTEP_IMPORTS = {
    "import torch": "import gradstep as torch",
    "import torch.nn as nn": "import gradstep.nn as nn",
    "import torch.nn.functional as F": "import gradstep.nn.functional as F",
    "import torch.optim as optim": "import gradstep.optim as optim",
    "from torch.utils.data import TensorDataset, DataLoader": "from gradstep.utils.data import TensorDataset, DataLoader",
}


def for_gradstep(script):
    return "\n".join(GRADSTEP_IMPORTS.get(line, line) for line in script.splitlines())


def start(script):
    # One thread: the network is tiny, and on a busy machine PyTorch's extra threads only wait.
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )


def result(process):
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return json.loads(stdout)


@pytest.fixture(scope="module")
def runs():
    # Both at once: PyTorch's run spends most of its time importing torch.
    processes = {"pytorch": start(PYTORCH_SCRIPT), "gradstep": start(for_gradstep(PYTORCH_SCRIPT))}
    return {name: result(process) for name, process in processes.items()}


def test_only_the_import_lines_change():
    original, rewritten = PYTORCH_SCRIPT.splitlines(), for_gradstep(PYTORCH_SCRIPT).splitlines()
    changed = [(a, b) for a, b in zip(original, rewritten) if a != b]
    assert len(original) == len(rewritten) and len(changed) == len(GRADSTEP_IMPORTS)
    assert all(a.startswith(("import ", "from ")) for a, _ in changed)


@pytest.mark.parametrize("engine", ["pytorch", "gradstep"])
def test_the_script_learns_the_task(runs, engine):
    run = runs[engine]
    assert run["last_loss"] < run["first_loss"] / 3
    assert run["val_accuracy"] >= 0.85
    assert run["lr"] == pytest.approx(0.025)


def test_gradstep_runs_it_without_pytorch(runs):
    assert runs["pytorch"]["torch_imported"] and not runs["gradstep"]["torch_imported"]


def test_both_engines_learn_about_as_well(runs):
    assert abs(runs["gradstep"]["val_accuracy"] - runs["pytorch"]["val_accuracy"]) <= 0.1
