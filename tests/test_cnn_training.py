"""A convolutional network trains step for step as in PyTorch, and PyTorch's LeNet lesson runs on gradstep.

The first test trains a small CNN (convolutions with stride, padding and groups, batch norm,
max and average pooling) in both engines from the same initial weights on the same batches
and requires the same loss at every one of 30 steps, and the same weights and running
statistics at the end (1e-4 in float32, 1e-9 in float64). The second runs a program in the
style of PyTorch's "Neural Networks" beginner page on both engines, with only its imports
changed.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from parity import shuffled_batches, train_side_by_side
from test_lesson_script_runs import for_gradstep

STEPS = 30


def small_cnn(engine):
    """Every layer of the CNN lesson in one network, on 1×12×12 images."""
    nn = engine.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),   # 8×6×6
        nn.Conv2d(8, 8, 3, padding="same", groups=2, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 12, 2, stride=2), nn.ReLU(), nn.AvgPool2d(3, stride=1, padding=1),  # 12×3×3
        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(48, 16), nn.BatchNorm1d(16), nn.ReLU(),
        nn.Linear(16, 4), nn.LogSoftmax(dim=1),
    )


def image_batches():
    rng = np.random.default_rng(0)
    images = rng.random((256, 1, 12, 12)) * (rng.random((256, 1, 12, 12)) < 0.3)
    labels = (images.reshape(256, -1) @ rng.standard_normal((144, 4))).argmax(axis=1)  # learnable classes
    return shuffled_batches(images, labels, batch_size=32, steps=STEPS)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_small_cnn_trains_as_in_pytorch(dtype):
    sgd = lambda engine, params: engine.optim.SGD(params, lr=0.05, momentum=0.9)  # noqa: E731
    losses = train_side_by_side(small_cnn, sgd, lambda engine: engine.nn.NLLLoss(), image_batches(), dtype=dtype)
    assert losses[-1] < losses[0] * 0.8  # it learned: the comparison is about real training


# ---- the beginner page's LeNet, with only the imports changed --------------------------------
LENET_PROGRAM = textwrap.dedent(
    """
    import json

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim

    torch.manual_seed(0)


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            # 1 input channel (a grey image), 6 output channels, 5x5 convolution kernels
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            # an affine operation y = Wx + b on the 16 maps of 5x5 left after two poolings
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))  # 32x32 -> 28x28 -> 14x14
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)       # 14x14 -> 10x10 -> 5x5
            x = torch.flatten(x, 1)                          # every dimension but the batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)


    net = Net()
    print(net)
    params = list(net.parameters())
    report = {"parameters": len(params), "conv1_weight": list(params[0].size())}

    # One random 32x32 image; nn.Conv2d wants a batch, so its shape is 1x1x32x32.
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    report["output"] = list(out.size())
    net.zero_grad()
    out.backward(torch.randn(1, 10))

    # A loss: mean squared error against a random target.
    target = torch.randn(10).view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(net(input), target)
    net.zero_grad()
    report["bias_grad_before"] = net.conv1.bias.grad is None
    loss.backward()
    report["bias_grad_after"] = list(net.conv1.bias.grad.size())

    # Update the weights by hand: weight = weight - learning_rate * gradient
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)

    # The same with an optimizer, a few hundred times.
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for step in range(200):
        optimizer.zero_grad()
        loss = criterion(net(input), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    report["first_loss"], report["last_loss"] = losses[0], losses[-1]
    print(json.dumps(report))
    """
)


def run(script):
    # One thread: the network is tiny, and on a busy machine PyTorch's extra threads only wait.
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environment)


@pytest.fixture(scope="module")
def lenet_runs():
    processes = {"pytorch": run(LENET_PROGRAM), "gradstep": run(for_gradstep(LENET_PROGRAM))}
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        printed = stdout.strip().splitlines()
        results[name] = {"report": json.loads(printed[-1]), "model": "\n".join(printed[:-1])}
    return results


def test_only_the_imports_of_the_lenet_program_change():
    original, rewritten = LENET_PROGRAM.splitlines(), for_gradstep(LENET_PROGRAM).splitlines()
    changed = [(a, b) for a, b in zip(original, rewritten) if a != b]
    assert len(original) == len(rewritten) and len(changed) == 4
    assert all(a.startswith("import ") and "gradstep" in b for a, b in changed)


def test_the_lenet_program_runs_alike_on_both_engines(lenet_runs):
    ours, theirs = lenet_runs["gradstep"], lenet_runs["pytorch"]
    assert ours["model"] == theirs["model"]  # print(net) shows the same layers
    for key in ("parameters", "conv1_weight", "output", "bias_grad_before", "bias_grad_after"):
        assert ours["report"][key] == theirs["report"][key], key
    assert ours["report"]["parameters"] == 10 and ours["report"]["output"] == [1, 10]
    for report in (ours["report"], theirs["report"]):
        assert report["last_loss"] < report["first_loss"] / 10  # both fit the target
