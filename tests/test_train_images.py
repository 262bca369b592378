"""Pictures from disk become 28x28 Fashion-MNIST-like images: grey, light on black."""
import matplotlib.image
import numpy as np
import pytest

from gradstep.train.images import read_image


def test_a_dark_item_on_white_is_inverted_to_a_light_item_on_black(tmp_path):
    picture = np.ones((56, 56))
    picture[14:42, 14:42] = 0  # a black square in the middle
    matplotlib.image.imsave(tmp_path / "square.png", picture, cmap="gray", vmin=0, vmax=1)
    image = read_image(tmp_path / "square.png")
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image[0, 0] == pytest.approx(0, abs=0.01) and image[14, 14] == pytest.approx(1, abs=0.01)


def test_a_light_item_on_black_is_kept_and_blocks_are_averaged(tmp_path):
    picture = np.zeros((84, 84))
    picture[21:63, 41:63] = 1  # column 41 is one third of the 3-pixel block 39-41 that becomes column 13
    matplotlib.image.imsave(tmp_path / "block.png", picture, cmap="gray", vmin=0, vmax=1)
    image = read_image(tmp_path / "block.png")
    np.testing.assert_allclose(image[14, [0, 13, 14, 20, 21]], [0, 1 / 3, 1, 1, 0], atol=0.01)


def test_colour_transparency_and_any_size_are_handled(tmp_path):
    rgba = np.zeros((10, 17, 4))
    rgba[..., 0] = 1  # pure red where opaque
    rgba[3:7, 5:12, 3] = 1  # opaque only in the middle; the rest is transparent, so white
    matplotlib.image.imsave(tmp_path / "red.png", rgba)
    image = read_image(tmp_path / "red.png")
    assert image.shape == (28, 28)
    # White background inverted to black; red (luminance 0.299) inverted to 0.701.
    assert image[0, 0] == pytest.approx(0, abs=0.01)
    assert image[14, 14] == pytest.approx(1 - 0.299, abs=0.01)
