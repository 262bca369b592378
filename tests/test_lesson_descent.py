"""Gradient descent on the lesson's surfaces: autograd's gradients, curvatures, and the learning-rate limit 2/λmax."""
import numpy as np
import pytest

from gradstep.lesson.descent import ESCAPED, divergence_step, gradient_descent, has_escaped, loss_after_descent, lr_limit
from gradstep.lesson.momentum import (
    momentum_lr_limit, nesterov_lr_limit, nesterov_momentum, sgd_momentum, textbook_momentum,
)
from gradstep.lesson.surfaces import LogisticRegressionLoss, QuadraticBowl, Rosenbrock, Saddle

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
    np.testing.assert_allclose(bowl.newton_step(np.array([2.0, -1.5])), [0.0, 0.0], atol=1e-12)
    surface = LogisticRegressionLoss.generated(samples=80)
    bottom = surface.lowest_point()
    np.testing.assert_allclose(surface.gradient(bottom), [0.0, 0.0], atol=1e-12)
    assert np.all(np.linalg.eigvalsh(surface.hessian(bottom)) > 0)  # a minimum, not a saddle


def test_near_the_minimum_descent_settles_below_two_over_lambda_max_and_not_above():
    surface = LogisticRegressionLoss.generated()
    bottom = surface.lowest_point()
    limit = 2 / surface.largest_curvature(bottom)
    start = bottom + np.array([0.3, -0.2])
    below, above = loss_after_descent(surface, start, np.array([0.9 * limit, 1.1 * limit]), 300) - surface.value(bottom)
    assert below < 1e-12
    assert above > 1e-3
def _torch_loss(surface, point):
    """The surface's loss written again in PyTorch, to check gradstep's gradients and curvatures against."""
    if isinstance(surface, QuadraticBowl):
        return 0.5 * point @ torch.from_numpy(surface.matrix) @ point
    if isinstance(surface, Rosenbrock):
        return (surface.a - point[0]) ** 2 + surface.b * (point[1] - point[0] ** 2) ** 2
    if isinstance(surface, Saddle):
        return 0.5 * point[0] ** 2 - 0.5 * point[1] ** 2 + 0.25 * point[1] ** 4
    logits = torch.from_numpy(surface.inputs) @ point
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(surface.labels))


SURFACES = [QuadraticBowl(curvatures=(1.0, 30.0)), Rosenbrock(), Saddle(), LogisticRegressionLoss.fashion_mnist()]
SURFACE_IDS = ["bowl", "rosenbrock", "saddle", "fashion-mnist"]


@pytest.mark.parametrize("surface", SURFACES, ids=SURFACE_IDS)
@pytest.mark.parametrize("w", [[0.7, -1.3], [-1.5, 2.0], [0.0, 0.0]])
def test_gradients_and_curvatures_are_pytorchs(surface, w):
    w = np.array(w)
    point = torch.tensor(w, requires_grad=True)
    (torch_gradient,) = torch.autograd.grad(_torch_loss(surface, point), point)
    np.testing.assert_allclose(surface.gradient(w), torch_gradient.numpy(), rtol=1e-12, atol=1e-12)
    torch_hessian = torch.autograd.functional.hessian(lambda p: _torch_loss(surface, p), torch.from_numpy(w)).numpy()
    scale = np.abs(torch_hessian).max()
    np.testing.assert_allclose(surface.hessian(w), torch_hessian, rtol=1e-10, atol=1e-12 * scale)
    np.testing.assert_allclose(surface.curvatures_at(w), np.linalg.eigvalsh(torch_hessian), rtol=1e-10, atol=1e-12 * scale)


def test_the_lowest_points_are_the_known_minima():
    np.testing.assert_allclose(QuadraticBowl(curvatures=(1.0, 30.0)).lowest_point(), [0, 0], atol=1e-10)
    np.testing.assert_allclose(Rosenbrock().lowest_point(), [1, 1], atol=1e-10)
    assert np.abs(Saddle().lowest_point()).tolist() == pytest.approx([0, 1], abs=1e-10)
    logistic = LogisticRegressionLoss.fashion_mnist()
    lowest = logistic.lowest_point()
    assert np.abs(logistic.gradient(lowest)).max() < 1e-10
    assert logistic.curvatures_at(lowest).min() > 0


def test_the_fashion_mnist_surface_measures_t_shirts_and_trousers():
    surface = LogisticRegressionLoss.fashion_mnist(samples=200)
    assert surface.inputs.shape == (200, 2)
    np.testing.assert_allclose(surface.inputs.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(surface.inputs.std(axis=0), 1)
    assert set(surface.labels.tolist()) == {0.0, 1.0} and 0.3 < surface.labels.mean() < 0.7
    # Trousers reach lower in the image than T-shirts: more ink in the bottom half, once the size is taken out.
    lowest = surface.lowest_point()
    assert lowest[1] < 0 < lowest[0] or lowest[0] < 0 < lowest[1]


def test_values_evaluate_many_points_at_once():
    surface = Rosenbrock()
    points = np.array([[[1.0, 1.0], [0.0, 0.0]], [[-1.0, 2.0], [0.5, 0.25]]])
    np.testing.assert_allclose(surface.values(points), [[surface.value(p) for p in row] for row in points])


@pytest.mark.parametrize("walk", [sgd_momentum, nesterov_momentum, textbook_momentum],
                         ids=["sgd", "nesterov", "textbook"])
def test_a_diverging_walk_stops_where_it_escaped(walk):
    bowl = QuadraticBowl(curvatures=(1.0, 4.0))
    path = walk(bowl, np.array([-2.5, 1.5]), 3.0, 0.9, 500)
    assert len(path) < 501
    assert divergence_step(path) == len(path) - 1 and has_escaped(path[-1])
    assert divergence_step(path[:-1]) is None


@pytest.mark.parametrize("walk, limit", [
    (lambda surface, start, lr, momentum, steps: gradient_descent(surface, start, lr, steps),
     lambda curvature, momentum: lr_limit(curvature)),
    (textbook_momentum, momentum_lr_limit),
    (nesterov_momentum, nesterov_lr_limit),
], ids=["descent", "momentum", "nesterov"])
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_each_walk_converges_just_below_its_learning_rate_limit_and_diverges_just_above(walk, limit, momentum):
    # On a bowl the curvature is the same everywhere, so the limit holds exactly; elsewhere it holds near the bottom.
    bowl = QuadraticBowl(curvatures=(1.0, 30.0))
    largest = bowl.curvatures_at(bowl.lowest_point()).max()
    start = np.array([-2.5, 1.5])
    below = walk(bowl, start, 0.97 * limit(largest, momentum), momentum, 2000)
    assert len(below) == 2001 and bowl.value(below[-1]) < 1e-8
    above = walk(bowl, start, 1.03 * limit(largest, momentum), momentum, 2000)
    assert divergence_step(above) is not None
