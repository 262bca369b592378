"""What a network's first layer looks for: its weights drawn as images, and what they see in an image.

A convolution's first layer holds small kernels (3×3 for the lesson's CNN) that slide over
the image; the MLP's first layer holds one 28×28 weight image per hidden unit that looks at
the whole picture at once. ``plot_filters`` draws either kind; ``plot_feature_maps`` shows
what the kernels answer at every position of a few images.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_filters(
    weights: np.ndarray,
    title: str,
    path: str | os.PathLike | None = None,
    columns: int = 8,
) -> Figure:
    """Each filter as a small image: red where it weighs a pixel up, blue where down.

    ``weights`` has shape (K, h, w) or (K, 1, h, w): a first convolution's weight, or an
    MLP's first weight matrix reshaped to (units, 28, 28). Each filter gets its own colour
    scale, symmetric around 0, so that small and large filters are equally readable.

    Example:
        >>> figure = plot_filters(np.random.default_rng(0).normal(size=(6, 1, 3, 3)), "conv1", columns=3)
        >>> len([axes for axes in figure.axes if axes.images])
        6
    """
    weights = np.asarray(weights)
    weights = weights.reshape(len(weights), *weights.shape[-2:])
    rows = math.ceil(len(weights) / columns)
    figure = new_figure(1.1 * columns, 1.1 * rows + 0.6)
    grid = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for axes in grid:
        axes.axis("off")
    for axes, kernel in zip(grid, weights):
        reach = float(np.abs(kernel).max()) or 1.0
        axes.imshow(kernel, cmap="RdBu_r", vmin=-reach, vmax=reach)
    figure.suptitle(title, fontweight="bold")
    return save_figure(figure, path)


def plot_feature_maps(
    images: np.ndarray,
    feature_maps: np.ndarray,
    labels: Sequence[str],
    path: str | os.PathLike | None = None,
    channels: int = 8,
    lang: str = "en",
) -> Figure:
    """One row per image: the image, then the first ``channels`` of its feature maps.

    ``images`` has shape (N, 28, 28) or (N, 1, 28, 28); ``feature_maps`` (N, C, h, w), e.g.
    the output of the first convolution block; ``labels`` names each image and is drawn
    as given; ``lang`` ("en" or "zh-CN") is the language of the rest of the text.

    Example:
        >>> figure = plot_feature_maps(np.zeros((2, 28, 28)), np.ones((2, 4, 14, 14)), ["shoe", "bag"], channels=4)
        >>> len(figure.axes), figure.axes[0].get_title()
        (10, 'shoe')
    """
    tr = translator(lang)
    images = np.asarray(images).reshape(len(images), *np.shape(images)[-2:])
    feature_maps = np.asarray(feature_maps)[:, :channels]
    shown = feature_maps.shape[1]
    figure = new_figure(1.3 * (shown + 1), 1.4 * len(images) + 0.6)
    grid = np.atleast_2d(figure.subplots(len(images), shown + 1))
    for row, image, maps, label in zip(grid, images, feature_maps, labels):
        row[0].imshow(image, cmap="gray_r")
        row[0].set_title(label, fontsize=9)
        for axes, feature_map in zip(row[1:], maps):
            axes.imshow(feature_map, cmap="viridis")
        for axes in row:
            axes.set_xticks([])
            axes.set_yticks([])
    for channel, axes in enumerate(grid[0][1:]):
        axes.set_title(tr("map {channel}", channel=channel), fontsize=9)
    figure.suptitle(tr("What the first layer's filters see: bright where a filter's pattern is"), fontweight="bold")
    return save_figure(figure, path)
