"""Gradient descent on the lesson's surfaces: autograd's gradients, and the learning-rate limit 2/λmax."""
import numpy as np
import pytest

from gradstep.lesson.descent import ESCAPED, gradient_descent, loss_after_descent, minimum, newton_step
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("surface", [QuadraticBowl(), LogisticRegressionLoss.generated(samples=50)],
                         ids=["bowl", "logistic"])
def test_surface_gradients_are_pytorchs(surface):
    w = np.array([0.7, -1.3])
    point = torch.tensor(w, requires_grad=True)
    if isinstance(surface, QuadraticBowl):
        loss = 0.5 * point @ torch.from_numpy(surface.matrix) @ point
    else:
        logits = torch.from_numpy(surface.inputs) @ point
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(surface.labels))
    loss.backward()
    assert surface.value(w) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(surface.gradient(w), point.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_the_grid_holds_the_same_losses_as_single_points():
    surface = LogisticRegressionLoss.generated(samples=30)
    w1, w2, losses = surface.grid(size=5)
    assert losses.shape == (5, 5)
    assert losses[1, 3] == pytest.approx(surface.value(np.array([w1[1, 3], w2[1, 3]])), rel=1e-12)


def test_each_step_shrinks_the_distance_along_an_axis_by_one_minus_lr_times_curvature():
    bowl = QuadraticBowl(curvatures=(1.0, 4.0), angle=0.0)
    path = gradient_descent(bowl, np.array([1.0, 1.0]), lr=0.1, steps=5)
    expected = np.stack([(1 - 0.1 * 1.0) ** np.arange(6), (1 - 0.1 * 4.0) ** np.arange(6)], axis=1)
    np.testing.assert_allclose(path, expected, rtol=1e-12)


def test_descent_converges_below_two_over_the_largest_curvature_and_diverges_above():
    bowl = QuadraticBowl(curvatures=(1.0, 4.0))
    start = np.array([-2.5, 1.5])
    limit = bowl.largest_stable_lr
    assert bowl.value(gradient_descent(bowl, start, 0.95 * limit, 200)[-1]) < 1e-6
    diverging = gradient_descent(bowl, start, 1.05 * limit, 500)
    assert len(diverging) < 501 and np.abs(diverging[-1]).max() > ESCAPED


@pytest.mark.parametrize("surface", [QuadraticBowl(), LogisticRegressionLoss.generated(samples=50)],
                         ids=["bowl", "logistic"])
def test_surface_hessians_are_pytorchs(surface):
    w = np.array([0.7, -1.3])
    if isinstance(surface, QuadraticBowl):
        def loss(point):
            return 0.5 * point @ torch.from_numpy(surface.matrix) @ point
    else:
        def loss(point):
            logits = torch.from_numpy(surface.inputs) @ point
            return torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(surface.labels))
    expected = torch.autograd.functional.hessian(loss, torch.tensor(w)).numpy()
    np.testing.assert_allclose(surface.hessian(w), expected, rtol=1e-12, atol=1e-15)


def test_newton_lands_at_the_bottom_of_a_bowl_in_one_step_and_finds_the_logistic_minimum():
    bowl = QuadraticBowl(curvatures=(0.5, 20.0))
    np.testing.assert_allclose(newton_step(bowl, np.array([2.0, -1.5])), [0.0, 0.0], atol=1e-12)
    surface = LogisticRegressionLoss.generated(samples=80)
    bottom = minimum(surface, np.zeros(2))
    np.testing.assert_allclose(surface.gradient(bottom), [0.0, 0.0], atol=1e-12)
    assert np.all(np.linalg.eigvalsh(surface.hessian(bottom)) > 0)  # a minimum, not a saddle


def test_near_the_minimum_descent_settles_below_two_over_lambda_max_and_not_above():
    surface = LogisticRegressionLoss.generated()
    bottom = minimum(surface, np.zeros(2))
    limit = 2 / surface.largest_curvature(bottom)
    start = bottom + np.array([0.3, -0.2])
    below, above = loss_after_descent(surface, start, np.array([0.9 * limit, 1.1 * limit]), 300) - surface.value(bottom)
    assert below < 1e-12
    assert above > 1e-3
