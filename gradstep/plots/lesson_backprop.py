"""Hand-written gradients against autograd's: the check that the chain rule was applied right."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from gradstep.i18n import translator
from gradstep.plots.figure import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_hand_vs_autograd(
    gradients: dict[str, tuple[np.ndarray, np.ndarray]],
    path: str | os.PathLike | None = None,
    lang: str = "en",
) -> Figure:
    """Plot each weight's gradient by hand (x) against autograd's (y); agreement puts them on the diagonal.

    ``gradients`` maps a weight's name, such as ``"w⁽⁰→¹⁾"``, to the pair ``(by_hand, by_autograd)``.
    ``lang`` is the language of the text: "en" or "zh-CN".

    Example:
        >>> g = np.array([[0.1, -0.2]])
        >>> plot_hand_vs_autograd({"w": (g, g)}).axes[0].get_xlabel()
        'gradient by hand (NumPy chain rule)'
    """
    tr = translator(lang)
    figure = new_figure(7.5, 6.5)
    axes = figure.subplots()
    everything = np.concatenate([np.ravel(pair) for pair in gradients.values()])
    low, high = everything.min(), everything.max()
    margin = 0.1 * (high - low)
    axes.plot([low - margin, high + margin], [low - margin, high + margin], color="grey", lw=1,
              label=tr("by hand = by autograd"))
    for (name, (by_hand, by_autograd)), marker in zip(gradients.items(), "os^D"):
        difference = np.abs(by_hand - by_autograd).max()
        axes.plot(np.ravel(by_hand), np.ravel(by_autograd), marker, ms=9, alpha=0.8, linestyle="none",
                  label=tr("∂L/∂{name}: largest |difference| {difference:.0e}", name=name, difference=difference))
    axes.set_xlabel(tr("gradient by hand (NumPy chain rule)"))
    axes.set_ylabel(tr("gradient by autograd (gradstep)"))
    axes.set_title(tr("Backpropagation by hand matches autograd"), fontweight="bold")
    axes.set_aspect("equal")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    return save_figure(figure, path)
