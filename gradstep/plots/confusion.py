"""Which classes the model mistakes for which."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_confusion_matrix(
    matrix: np.ndarray,
    class_names: Sequence[str],
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """Draw the confusion matrix as a grid of counts: rows are true classes, columns predictions.

    A good model puts almost everything on the diagonal; a bright cell off it
    (say true "Shirt", predicted "T-shirt/top") shows two classes it mixes up.
    ``class_names`` are drawn as given; ``lang`` ("en" or "zh-CN") is the
    language of the rest of the text.

    Example:
        >>> figure = plot_confusion_matrix(np.array([[5, 1], [2, 7]]), ["cat", "dog"])
        >>> figure.axes[0].get_xlabel()
        'predicted class'
    """
    tr = translator(lang)
    matrix = np.asarray(matrix)
    accuracy = np.trace(matrix) / matrix.sum()
    figure = new_figure(8.5, 7.5)
    axes = figure.subplots()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, label=tr("number of images"), shrink=0.8)

    ticks = np.arange(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel(tr("predicted class"))
    axes.set_ylabel(tr("true class"))
    axes.set_title(tr("Confusion matrix: {images} images, {accuracy:.1%} on the diagonal",
                      images=matrix.sum(), accuracy=accuracy), fontweight="bold")

    # Dark text on light cells, white on dark ones, so every count stays readable.
    threshold = matrix.max() / 2
    for row, column in np.ndindex(matrix.shape):
        count = matrix[row, column]
        axes.text(column, row, str(count), ha="center", va="center", fontsize=8,
                  color="white" if count > threshold else "black")
    return save_figure(figure, path)
