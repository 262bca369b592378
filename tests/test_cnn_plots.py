"""The pictures of what a first layer learned: filters as images, and feature maps of a few images."""
import matplotlib.image
import numpy as np

from gradstep.plots import plot_feature_maps, plot_filters


def test_filters_are_drawn_one_per_panel_with_a_scale_symmetric_around_zero(tmp_path):
    weights = np.random.default_rng(0).normal(size=(10, 1, 3, 3))
    figure = plot_filters(weights, "first convolution: 10 filters of 3×3", tmp_path / "filters.png", columns=4)
    drawn = [axes for axes in figure.axes if axes.images]
    assert len(drawn) == 10 and len(figure.axes) == 12  # a 3×4 grid, two panels left empty
    for axes, kernel in zip(drawn, weights):
        image = axes.images[0]
        np.testing.assert_array_equal(image.get_array(), kernel[0])
        low, high = image.get_clim()
        assert low == -high == -np.abs(kernel).max()
    assert figure.get_suptitle() == "first convolution: 10 filters of 3×3"
    picture = matplotlib.image.imread(tmp_path / "filters.png")
    assert picture[..., :3].std() > 0.05


def test_mlp_weights_draw_as_28_by_28_images():
    rows = np.random.default_rng(1).normal(size=(4, 784))
    figure = plot_filters(rows.reshape(4, 28, 28), "MLP", columns=4)
    assert [axes.images[0].get_array().shape for axes in figure.axes] == [(28, 28)] * 4


def test_feature_maps_show_each_image_then_its_maps(tmp_path):
    images = np.random.default_rng(2).random((3, 1, 28, 28))
    maps = np.random.default_rng(3).random((3, 16, 14, 14))
    figure = plot_feature_maps(images, maps, ["Sneaker", "Bag", "Coat"], tmp_path / "maps.png", channels=5)
    assert len(figure.axes) == 3 * 6
    assert [figure.axes[6 * row].get_title() for row in range(3)] == ["Sneaker", "Bag", "Coat"]
    np.testing.assert_array_equal(figure.axes[6 + 2].images[0].get_array(), maps[1, 1])
    assert figure.axes[3].get_title() == "map 2"
    assert matplotlib.image.imread(tmp_path / "maps.png").shape[0] > 300
