"""Images with what the model says they are."""
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


def plot_predictions(
    images: np.ndarray,
    true_labels: Sequence[int],
    predicted_labels: Sequence[int],
    class_names: Sequence[str],
    path: str | os.PathLike | None = None,
    columns: int = 6,
    lang: str = "en",
) -> Figure:
    """Show each image with its predicted and true class; wrong predictions are in red.

    ``images`` is a NumPy array of shape (N, 28, 28) or (N, 1, 28, 28).
    ``class_names`` are drawn as given; ``lang`` ("en" or "zh-CN") is the
    language of the rest of the text.

    Example:
        >>> images = np.zeros((2, 28, 28))
        >>> figure = plot_predictions(images, [0, 1], [0, 0], ["cat", "dog"], columns=2)
        >>> [axes.title.get_color() for axes in figure.axes]
        ['black', 'red']
    """
    tr = translator(lang)
    images = np.asarray(images).reshape(len(images), *np.shape(images)[-2:])
    rows = math.ceil(len(images) / columns)
    figure = new_figure(1.8 * columns, 2.1 * rows)
    grid = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for axes in grid[len(images):]:
        axes.axis("off")
    for axes, image, true, predicted in zip(grid, images, true_labels, predicted_labels):
        right = true == predicted
        axes.imshow(image, cmap="gray_r")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(
            class_names[predicted] if right
            else tr("{predicted}\n(true: {true})", predicted=class_names[predicted], true=class_names[true]),
            color="black" if right else "red",
            fontsize=9,
        )
        if not right:
            for spine in axes.spines.values():
                spine.set_color("red")
                spine.set_linewidth(2)
    correct = sum(int(t == p) for t, p in zip(true_labels, predicted_labels))
    figure.suptitle(
        tr("Predicted class above each image: {correct} of {total} right\n(wrong ones in red, with the true class)",
           correct=correct, total=len(images)),
        fontweight="bold",
    )
    return save_figure(figure, path)
