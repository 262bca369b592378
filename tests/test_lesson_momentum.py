"""Momentum: the textbook form and PyTorch's form take the same walk, and momentum speeds up a narrow valley."""
import numpy as np
import pytest

from gradstep.lesson.descent import gradient_descent
from gradstep.lesson.momentum import nesterov_momentum, sgd_momentum, steps_to_reach, textbook_momentum
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl

torch = pytest.importorskip("torch")

SURFACES = [QuadraticBowl(curvatures=(1.0, 10.0)), LogisticRegressionLoss.generated()]


@pytest.mark.parametrize("surface", SURFACES, ids=["bowl", "logistic"])
@pytest.mark.parametrize("momentum", [0.5, 0.9])
def test_textbook_and_pytorch_forms_take_the_same_walk(surface, momentum):
    start = np.array([-2.5, 2.0])
    textbook = textbook_momentum(surface, start, lr=0.05, momentum=momentum, steps=80)
    pytorch_form = sgd_momentum(surface, start, lr=0.05, momentum=momentum, steps=80)
    np.testing.assert_allclose(textbook, pytorch_form, rtol=0, atol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_gradstep_sgd_walks_as_torch_sgd_does(nesterov):
    surface = QuadraticBowl(curvatures=(1.0, 10.0))
    start = np.array([-2.6, 0.2])
    w = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.02, momentum=0.9, nesterov=nesterov)
    matrix = torch.from_numpy(surface.matrix)
    torch_path = [start]
    for _ in range(50):
        optimizer.zero_grad()
        (0.5 * w @ matrix @ w).backward()
        optimizer.step()
        torch_path.append(w.detach().numpy().copy())
    walk = nesterov_momentum if nesterov else sgd_momentum
    np.testing.assert_allclose(walk(surface, start, 0.02, 0.9, 50), np.array(torch_path), atol=1e-12)


def test_no_momentum_is_plain_gradient_descent():
    surface = SURFACES[1]
    start = np.array([-3.5, 5.0])
    np.testing.assert_allclose(textbook_momentum(surface, start, 0.15, 0.0, 30),
                               gradient_descent(surface, start, 0.15, 30), rtol=1e-13)


def test_momentum_reaches_the_bottom_of_a_narrow_valley_sooner():
    bowl = QuadraticBowl(curvatures=(1.0, 10.0))
    start = np.array([-2.6, 0.2])
    steps = {momentum: steps_to_reach(bowl, textbook_momentum(bowl, start, 0.02, momentum, 100), 1e-3)
             for momentum in (0.0, 0.5, 0.9)}
    assert steps[0.0] is None and steps[0.9] < steps[0.5] <= 100
