"""The benchmarks' hand-written NumPy step takes the same steps as gradstep's training loop.

``benchmarks/speed.py`` reports gradstep's epoch time as a multiple of this reference's; the
comparison means something only if both do the same arithmetic.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import gradstep

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from hand_fused import HandFusedStep  # noqa: E402


@pytest.mark.parametrize("batch_size", [32, 128, 50])
def test_the_hand_fused_step_matches_gradsteps_lesson_step(batch_size):
    rng = np.random.default_rng(0)
    images = rng.random((6 * batch_size, 784), dtype=np.float32)
    labels = rng.integers(0, 10, 6 * batch_size)
    gradstep.manual_seed(0)
    model = gradstep.nn.Sequential(
        gradstep.nn.Linear(784, 128, bias=False), gradstep.nn.ReLU(),
        gradstep.nn.Linear(128, 10, bias=False), gradstep.nn.LogSoftmax(dim=1),
    )
    optimizer = gradstep.optim.SGD(model.parameters(), lr=0.15, momentum=0.8)
    loss_fn = gradstep.nn.NLLLoss()
    reference = HandFusedStep([p.detach().numpy().copy() for p in model.parameters()], lr=0.15, momentum=0.8)

    for start in range(0, len(images), batch_size):
        x, y = images[start : start + batch_size], labels[start : start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(gradstep.from_numpy(x)), gradstep.from_numpy(y))
        loss.backward()
        optimizer.step()
        reference_loss = reference(x, y)
        assert reference_loss == pytest.approx(loss.item(), rel=1e-5)

    for param, weights in zip(model.parameters(), (reference.w1, reference.w2)):
        np.testing.assert_allclose(param.detach().numpy(), weights, rtol=1e-5, atol=1e-6)
