"""Adam on the lesson's surfaces walks as PyTorch's Adam does, each weight by about η per step."""
import numpy as np
import pytest

from gradstep.lesson.adam import adam
from gradstep.lesson.surfaces import QuadraticBowl, Rosenbrock

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.99)])
def test_the_walk_is_torch_adams(betas):
    surface = Rosenbrock()
    start = np.array([-1.5, 2.0])
    w = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=0.05, betas=betas)
    torch_path = [start]
    for _ in range(60):
        optimizer.zero_grad()
        ((surface.a - w[0]) ** 2 + surface.b * (w[1] - w[0] ** 2) ** 2).backward()
        optimizer.step()
        torch_path.append(w.detach().numpy().copy())
    np.testing.assert_allclose(adam(surface, start, 0.05, 60, betas), np.array(torch_path), rtol=1e-10, atol=1e-12)


def test_steep_and_flat_weights_move_alike():
    bowl = QuadraticBowl(curvatures=(1.0, 1000.0), angle=0.0)
    first_step = adam(bowl, np.array([1.0, 1.0]), lr=0.01, steps=1)[1]
    np.testing.assert_allclose(first_step, [0.99, 0.99], rtol=1e-6)
