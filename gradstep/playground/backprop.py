"""The backpropagation page's numbers: the lesson's small sigmoid network, worked through for one sample.

The network is the one ``gradstep demo backprop`` works through: three inputs
x₁, x₂, x₃, two hidden sigmoid neurons and one sigmoid output, no biases, and
the binary cross-entropy loss against a target y. On the page, wᵢⱼ is the
weight from input i to hidden neuron j (the lesson's w⁽⁰→¹⁾) and vⱼ the weight
from hidden neuron j to the output (w⁽¹→²⁾). The chain rule is
:func:`gradstep.lesson.backprop.chain_rule`; autograd's gradients, to set
beside it, are gradstep's.

Example:
    >>> result = work_through({})
    >>> [round(gradient, 4) for gradient in result["gradients"]["v"]], result["largest_difference"] < 1e-12
    ([-0.2653, -0.1041], True)
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import gradstep
from gradstep.lesson.backprop import autograd_gradients, chain_rule
from gradstep.playground.inputs import BadInput, read_number

EXAMPLE = {
    "x": [0.5, 1.0, -1.5],
    "y": 1.0,
    "w": [[0.3, -0.6], [0.8, 0.2], [-0.5, 0.4]],
    "v": [1.2, -0.7],
}
"""The first sample and the weights of ``gradstep demo backprop``: round numbers, to follow with a calculator."""
LARGEST_VALUE = 10.0
"""Inputs and weights stay within ±10, where the sigmoids do not round to exactly 0 or 1."""

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _read_values(values: Mapping[str, Any], name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The numbers of ``values[name]`` (else :data:`EXAMPLE`'s), each checked and named as the page names it: w₃₁."""
    try:
        given = np.asarray(values.get(name, EXAMPLE[name]), dtype=object)
    except ValueError:  # rows of different lengths
        given = np.empty(0)
    if given.shape != shape:
        raise BadInput("wrong_shape", name, shape=" × ".join(map(str, shape)))
    numbers = np.empty(shape)
    for index in np.ndindex(shape):
        symbol = name + "".join(str(i + 1) for i in index).translate(_SUBSCRIPTS)
        numbers[index] = read_number({symbol: given[index]}, symbol, at_least=-LARGEST_VALUE, at_most=LARGEST_VALUE)
    return numbers


def work_through(values: Mapping[str, Any]) -> dict[str, Any]:
    """Forward and backward through the network for the inputs, target and weights given (the example's if not).

    The result holds every node's value, every factor of the chain rule, each
    weight's gradient by hand, and autograd's for the same weights.
    """
    x, w, v = _read_values(values, "x", (3,)), _read_values(values, "w", (3, 2)), _read_values(values, "v", (2,))
    y = read_number(values, "y", default=EXAMPLE["y"], at_least=0, at_most=1)
    steps = chain_rule(x, y, w, v)
    by_autograd_w, by_autograd_v = autograd_gradients(gradstep, x[None], np.array([[y]]), [w, v[:, None]])
    return {
        "values": {"x": x.tolist(), "y": y, "w": w.tolist(), "v": v.tolist()},
        "forward": {
            "hidden_sums": steps.hidden_sums.tolist(),
            "hidden": steps.hidden.tolist(),
            "output_sum": steps.output_sum,
            "output": steps.output,
            "loss": steps.loss,
        },
        "backward": {
            "loss_by_output": steps.loss_by_output,
            "output_by_sum": steps.output_by_sum,
            "loss_by_output_sum": steps.loss_by_output_sum,
            "loss_by_hidden": steps.loss_by_hidden.tolist(),
            "hidden_by_sums": steps.hidden_by_sums.tolist(),
            "loss_by_hidden_sums": steps.loss_by_hidden_sums.tolist(),
        },
        "gradients": {"w": steps.hidden_weights.tolist(), "v": steps.output_weights.tolist()},
        "autograd": {"w": by_autograd_w.tolist(), "v": by_autograd_v[:, 0].tolist()},
        "largest_difference": float(max(np.abs(steps.hidden_weights - by_autograd_w).max(),
                                        np.abs(steps.output_weights - by_autograd_v[:, 0]).max())),
    }
