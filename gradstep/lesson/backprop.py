"""Backpropagation by hand: the chain rule written out in NumPy, as the lesson derives it.

Everything here uses the lesson's conventions:

* samples are rows: ``X`` is (N, inputs) and labels ``y`` are a column (N, 1);
* weights map a layer to the next by ``z = x @ w``, so ``w`` is (inputs, outputs);
* every neuron is a sigmoid σ(z) = 1 / (1 + e⁻ᶻ) and has no bias (a bias is a
  weight on an extra input that is always 1: add a column of ones to ``X``);
* the loss is binary cross-entropy, **averaged** over the N samples (as
  ``nn.BCELoss()`` does by default):

      L = −(1/N) Σₙ [yₙ ln σₙ + (1 − yₙ) ln(1 − σₙ)]

For one sample and one weight, the chain rule multiplies three factors::

    ∂L/∂σ = (σ − y) / (σ(1 − σ))    how the loss changes with the output
    ∂σ/∂z = σ(1 − σ)                how the sigmoid changes with its input
    ∂z/∂w = x                       how the weighted sum changes with the weight

The σ(1 − σ) cancels, leaving (σ − y)·x. Summing over samples and dividing by N
gives the matrix form Xᵀ(σ − y) / N. With a sum instead of a mean, drop the /N.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from gradstep.i18n import display_width, pad, translator


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e⁻ᶻ), elementwise.

    Example:
        >>> sigmoid(np.array([0.0]))
        array([0.5])
    """
    return 1 / (1 + np.exp(-z))


def binary_cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """−mean[y ln σ + (1 − y) ln(1 − σ)]: the loss whose gradients this module writes out.

    Example:
        >>> round(binary_cross_entropy(np.array([[0.5]]), np.array([[1.0]])), 4)  # ln 2
        0.6931
    """
    return float(-np.mean(labels * np.log(probabilities) + (1 - labels) * np.log(1 - probabilities)))


def logistic_regression_gradient(inputs: np.ndarray, labels: np.ndarray, w: np.ndarray) -> np.ndarray:
    """∂L/∂w = Xᵀ(σ − y) / N for the model σ(Xw) and the mean binary cross-entropy L.

    Example:
        >>> X = np.array([[1.0, 2.0], [3.0, -1.0]])
        >>> y = np.array([[1.0], [0.0]])
        >>> logistic_regression_gradient(X, y, np.zeros((2, 1)))  # σ = ½ everywhere
        array([[ 0.5 ],
               [-0.75]])
    """
    output_error = sigmoid(inputs @ w) - labels  # σ − y: ∂L/∂σ · ∂σ/∂z, times N
    return inputs.T @ output_error / len(inputs)


@dataclass
class TwoLayerGradients:
    """The gradients of the two-layer network's weights, and the values they were made from."""

    hidden: np.ndarray
    """σ⁽¹⁾ = σ(X w⁽⁰→¹⁾), the hidden layer's outputs, (N, hidden)."""
    output: np.ndarray
    """σ⁽²⁾ = σ(σ⁽¹⁾ w⁽¹→²⁾), the network's outputs, (N, 1)."""
    output_weights: np.ndarray
    """∂L/∂w⁽¹→²⁾ = σ⁽¹⁾ᵀ(σ⁽²⁾ − y) / N, (hidden, 1)."""
    hidden_weights: np.ndarray
    """∂L/∂w⁽⁰→¹⁾ = Xᵀ[((σ⁽²⁾ − y) w⁽¹→²⁾ᵀ) ⊙ σ⁽¹⁾(1 − σ⁽¹⁾)] / N, (inputs, hidden)."""


def two_layer_gradients(
    inputs: np.ndarray,
    labels: np.ndarray,
    hidden_weights: np.ndarray,
    output_weights: np.ndarray,
) -> TwoLayerGradients:
    """Forward and backward pass of the all-sigmoid network X → σ⁽¹⁾ → σ⁽²⁾ with the mean BCE.

    The output layer is a logistic regression on the hidden outputs, so its
    gradient is the one above with σ⁽¹⁾ in place of X. For the first layer, the
    error σ⁽²⁾ − y flows back through w⁽¹→²⁾ to each hidden neuron, then through
    that neuron's sigmoid (the factor σ⁽¹⁾(1 − σ⁽¹⁾)), then to the weights, as X.

    Example:
        >>> X, y = np.array([[1.0, 2.0]]), np.array([[1.0]])
        >>> grads = two_layer_gradients(X, y, np.zeros((2, 3)), np.ones((3, 1)))
        >>> grads.output_weights.shape, grads.hidden_weights.shape
        ((3, 1), (2, 3))
    """
    hidden = sigmoid(inputs @ hidden_weights)
    output = sigmoid(hidden @ output_weights)
    output_error = output - labels  # (N, 1)
    hidden_error = (output_error @ output_weights.T) * hidden * (1 - hidden)  # (N, hidden)
    return TwoLayerGradients(
        hidden=hidden,
        output=output,
        output_weights=hidden.T @ output_error / len(inputs),
        hidden_weights=inputs.T @ hidden_error / len(inputs),
    )


@dataclass
class ChainRule:
    """Every value and every factor of backpropagation through the two-layer network, for one sample.

    Forward, layer by layer: zⱼ⁽¹⁾ = Σᵢ xᵢ wᵢⱼ⁽⁰→¹⁾, σⱼ⁽¹⁾ = σ(zⱼ⁽¹⁾), z⁽²⁾ = Σⱼ σⱼ⁽¹⁾ wⱼ⁽¹→²⁾,
    σ⁽²⁾ = σ(z⁽²⁾), then the loss L. Backward, each node's ∂L/∂node is the ∂L/∂
    of the node after it times the local derivative of the edge between them.
    """

    inputs: np.ndarray
    """x, (inputs,)."""
    hidden_sums: np.ndarray
    """z⁽¹⁾ = x w⁽⁰→¹⁾, (hidden,)."""
    hidden: np.ndarray
    """σ⁽¹⁾ = σ(z⁽¹⁾), (hidden,)."""
    output_sum: float
    """z⁽²⁾ = σ⁽¹⁾ w⁽¹→²⁾."""
    output: float
    """σ⁽²⁾ = σ(z⁽²⁾), the network's answer."""
    label: float
    loss: float
    """L = −[y ln σ⁽²⁾ + (1 − y) ln(1 − σ⁽²⁾)]."""
    loss_by_output: float
    """∂L/∂σ⁽²⁾ = (σ⁽²⁾ − y) / (σ⁽²⁾(1 − σ⁽²⁾))."""
    output_by_sum: float
    """∂σ⁽²⁾/∂z⁽²⁾ = σ⁽²⁾(1 − σ⁽²⁾), the sigmoid's slope."""
    loss_by_output_sum: float
    """∂L/∂z⁽²⁾ = ∂L/∂σ⁽²⁾ · ∂σ⁽²⁾/∂z⁽²⁾ = σ⁽²⁾ − y."""
    output_weights: np.ndarray
    """∂L/∂wⱼ⁽¹→²⁾ = ∂L/∂z⁽²⁾ · σⱼ⁽¹⁾ (the edge's local derivative ∂z⁽²⁾/∂wⱼ is σⱼ⁽¹⁾), (hidden,)."""
    loss_by_hidden: np.ndarray
    """∂L/∂σⱼ⁽¹⁾ = ∂L/∂z⁽²⁾ · wⱼ⁽¹→²⁾ (the local derivative ∂z⁽²⁾/∂σⱼ⁽¹⁾ is the weight), (hidden,)."""
    hidden_by_sums: np.ndarray
    """∂σⱼ⁽¹⁾/∂zⱼ⁽¹⁾ = σⱼ⁽¹⁾(1 − σⱼ⁽¹⁾), (hidden,)."""
    loss_by_hidden_sums: np.ndarray
    """∂L/∂zⱼ⁽¹⁾ = ∂L/∂σⱼ⁽¹⁾ · ∂σⱼ⁽¹⁾/∂zⱼ⁽¹⁾, (hidden,)."""
    hidden_weights: np.ndarray
    """∂L/∂wᵢⱼ⁽⁰→¹⁾ = ∂L/∂zⱼ⁽¹⁾ · xᵢ, (inputs, hidden)."""


def chain_rule(inputs: np.ndarray, label: float, hidden_weights: np.ndarray, output_weights: np.ndarray) -> ChainRule:
    """Backpropagate the loss of one sample through the two-layer network, keeping every factor.

    ``hidden_weights`` is w⁽⁰→¹⁾, (inputs, hidden); ``output_weights`` is w⁽¹→²⁾,
    (hidden,) or (hidden, 1). The weight gradients are those of
    :func:`two_layer_gradients` for a batch of this one sample.

    Example:
        >>> steps = chain_rule(np.array([1.0, 2.0]), 1.0, np.zeros((2, 3)), np.ones(3))
        >>> steps.hidden, round(steps.loss_by_output_sum, 4)  # σ(0) = ½; σ⁽²⁾ − y
        (array([0.5, 0.5, 0.5]), -0.1824)
    """
    x = np.asarray(inputs, dtype=np.float64)
    output_weights = np.asarray(output_weights, dtype=np.float64).reshape(-1)
    hidden_sums = x @ hidden_weights
    hidden = sigmoid(hidden_sums)
    output_sum = float(hidden @ output_weights)
    output = float(sigmoid(np.array(output_sum)))
    loss_by_output = (output - label) / (output * (1 - output))
    output_by_sum = output * (1 - output)
    loss_by_output_sum = loss_by_output * output_by_sum
    loss_by_hidden = loss_by_output_sum * output_weights
    hidden_by_sums = hidden * (1 - hidden)
    loss_by_hidden_sums = loss_by_hidden * hidden_by_sums
    return ChainRule(
        inputs=x,
        hidden_sums=hidden_sums,
        hidden=hidden,
        output_sum=output_sum,
        output=output,
        label=float(label),
        loss=binary_cross_entropy(np.array(output), np.array(label)),
        loss_by_output=loss_by_output,
        output_by_sum=output_by_sum,
        loss_by_output_sum=loss_by_output_sum,
        output_weights=loss_by_output_sum * hidden,
        loss_by_hidden=loss_by_hidden,
        hidden_by_sums=hidden_by_sums,
        loss_by_hidden_sums=loss_by_hidden_sums,
        hidden_weights=np.outer(x, loss_by_hidden_sums),
    )


def autograd_gradients(
    engine: ModuleType,
    inputs: np.ndarray,
    labels: np.ndarray,
    weights: Sequence[np.ndarray],
) -> list[np.ndarray]:
    """The same gradients by an autograd engine (``gradstep`` or ``torch``), in float64.

    The network is a chain of sigmoid layers, one per matrix in ``weights``:
    one matrix is the logistic regression, two are the two-layer network.

    Example:
        >>> import gradstep
        >>> X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[1.0], [0.0]])
        >>> autograd_gradients(gradstep, X, y, [np.zeros((2, 1))])[0]
        array([[ 0.5 ],
               [-0.75]])
    """
    parameters = [engine.tensor(w, dtype=engine.float64, requires_grad=True) for w in weights]
    activation = engine.tensor(inputs, dtype=engine.float64)
    for w in parameters:
        activation = engine.sigmoid(activation @ w)
    loss = engine.nn.functional.binary_cross_entropy(activation, engine.tensor(labels, dtype=engine.float64))
    return [grad.numpy() for grad in engine.autograd.grad(loss, parameters)]


def demo(out_dir: Path, lang: str = "en") -> list[Path]:
    """Print the chain rule at work on a small example and check it against gradstep's autograd.

    ``lang`` is the language of the printed text and the figure: "en" or "zh-CN".
    """
    import gradstep
    from gradstep.plots.lesson_backprop import plot_hand_vs_autograd

    tr = translator(lang)
    # Round numbers, so that the printed products can be checked with a calculator.
    inputs = np.array([[0.5, 1.0, -1.5], [-1.0, 0.5, 2.0], [1.5, -0.5, 0.5], [-0.5, -1.0, -1.0]])
    labels = np.array([[1.0], [0.0], [1.0], [0.0]])
    w = np.array([[0.2], [-0.4], [0.1]])
    hidden_weights = np.array([[0.3, -0.6], [0.8, 0.2], [-0.5, 0.4]])
    output_weights = np.array([[1.2], [-0.7]])
    count = len(inputs)
    by_hand, by_autograd = pad(tr("by hand"), 8), pad(tr("autograd"), 8)

    print(tr("Backpropagation by hand, checked against autograd"))
    print(tr("Data: X has {count} samples (rows) of 3 inputs, labels y = {labels}",
             count=count, labels=labels.ravel()))
    print(tr("Loss: binary cross-entropy averaged over the {count} samples", count=count) + "\n")
    print("X =", _matrix(inputs, indent=4))

    print("\n" + tr("1. Logistic regression σ(Xw) with w = {w}", w=w.ravel()))
    x, y = inputs[0], labels[0, 0]
    z = float(x @ w[:, 0])
    s = float(sigmoid(z))
    print("   " + tr("One weight, w[0], on sample 0: z = x·w = {z:.4f}, σ(z) = {s:.4f}, y = {y:.0f}",
                     z=z, s=s, y=y))
    _print_chain([
        ("∂L/∂σ = (σ − y) / (σ(1 − σ))", (s - y) / (s * (1 - s))),
        ("∂σ/∂z = σ(1 − σ)", s * (1 - s)),
        ("∂z/∂w[0] = x[0]", x[0]),
    ], f"(σ − y)·x[0] = {(s - y) * x[0]:.4f}", tr)
    print("   " + tr("Sample 0 adds product / N = {share:.4f} to ∂L/∂w[0]; each other sample adds its own.",
                     share=(s - y) * x[0] / count))
    hand = logistic_regression_gradient(inputs, labels, w)
    print("\n   " + tr("All weights and samples at once, ∂L/∂w = Xᵀ(σ − y) / N:"))
    print("   σ − y =", _matrix(sigmoid(inputs @ w) - labels, indent=11))
    print(f"   {by_hand} =", _matrix(hand.T, indent=14))
    (auto,) = autograd_gradients(gradstep, inputs, labels, [w])
    print(f"   {by_autograd} =", _matrix(auto.T, indent=14))
    print("   " + tr("max |difference| = {difference:.1e}", difference=np.abs(hand - auto).max()))

    print("\n" + tr("2. Two-layer network: σ⁽¹⁾ = σ(X w⁽⁰→¹⁾), σ⁽²⁾ = σ(σ⁽¹⁾ w⁽¹→²⁾)"))
    print("   w⁽⁰→¹⁾ =", _matrix(hidden_weights, indent=12))
    print("   w⁽¹→²⁾ =", _matrix(output_weights, indent=12))
    grads = two_layer_gradients(inputs, labels, hidden_weights, output_weights)
    h, s, y = grads.hidden[0], grads.output[0, 0], labels[0, 0]
    print("   " + tr("Sample 0: σ⁽¹⁾ = {hidden}, σ⁽²⁾ = {s:.4f}, y = {y:.0f}", hidden=h.round(4), s=s, y=y))
    print("   " + tr("An output weight, w⁽¹→²⁾[0]: the same three factors, with σ⁽¹⁾ as the input"))
    _print_chain([
        ("∂L/∂σ⁽²⁾ = (σ⁽²⁾ − y) / (σ⁽²⁾(1 − σ⁽²⁾))", (s - y) / (s * (1 - s))),
        ("∂σ⁽²⁾/∂z⁽²⁾ = σ⁽²⁾(1 − σ⁽²⁾)", s * (1 - s)),
        ("∂z⁽²⁾/∂w⁽¹→²⁾[0] = σ⁽¹⁾[0]", h[0]),
    ], f"(σ⁽²⁾ − y)·σ⁽¹⁾[0] = {(s - y) * h[0]:.4f}", tr)
    print("   " + tr("A hidden weight, w⁽⁰→¹⁾[0, 0]: the error goes back through w⁽¹→²⁾[0] and σ⁽¹⁾[0]"))
    _print_chain([
        ("∂L/∂σ⁽²⁾", (s - y) / (s * (1 - s))),
        ("∂σ⁽²⁾/∂z⁽²⁾", s * (1 - s)),
        ("∂z⁽²⁾/∂σ⁽¹⁾[0] = w⁽¹→²⁾[0]", output_weights[0, 0]),
        ("∂σ⁽¹⁾[0]/∂z⁽¹⁾[0] = σ⁽¹⁾[0](1 − σ⁽¹⁾[0])", h[0] * (1 - h[0])),
        ("∂z⁽¹⁾[0]/∂w⁽⁰→¹⁾[0, 0] = x[0]", inputs[0, 0]),
    ], "(σ⁽²⁾ − y)·w⁽¹→²⁾[0]·σ⁽¹⁾[0](1 − σ⁽¹⁾[0])·x[0]", tr)
    auto_hidden, auto_output = autograd_gradients(gradstep, inputs, labels, [hidden_weights, output_weights])
    print("\n   " + tr("As matrices, ∂L/∂w⁽¹→²⁾ = σ⁽¹⁾ᵀ(σ⁽²⁾ − y) / N:"))
    print(f"   {by_hand} =", _matrix(grads.output_weights.T, indent=14))
    print(f"   {by_autograd} =", _matrix(auto_output.T, indent=14))
    print("   " + tr("and ∂L/∂w⁽⁰→¹⁾ = Xᵀ[((σ⁽²⁾ − y) w⁽¹→²⁾ᵀ) ⊙ σ⁽¹⁾(1 − σ⁽¹⁾)] / N:"))
    print(f"   {by_hand} =", _matrix(grads.hidden_weights, indent=14))
    print(f"   {by_autograd} =", _matrix(auto_hidden, indent=14))
    difference = max(np.abs(grads.output_weights - auto_output).max(), np.abs(grads.hidden_weights - auto_hidden).max())
    print("   " + tr("max |difference| = {difference:.1e}", difference=difference))

    path = out_dir / "backprop_hand_vs_autograd.png"
    plot_hand_vs_autograd({
        tr("w, logistic regression"): (hand, auto),
        tr("w⁽⁰→¹⁾, two-layer network"): (grads.hidden_weights, auto_hidden),
        tr("w⁽¹→²⁾, two-layer network"): (grads.output_weights, auto_output),
    }, path, lang=lang)
    return [path]


def _print_chain(factors: list[tuple[str, float]], simplified: str, tr: Callable[..., str]) -> None:
    """Print each factor of a chain-rule product, then the product itself."""
    product_name = tr("product")
    width = max(display_width(name) for name, _ in [*factors, (product_name, 0)])
    for name, value in factors:
        print(f"     {pad(name, width)} = {value: .4f}")
    product = float(np.prod([value for _, value in factors]))
    simplifies = tr("(it simplifies to {formula})", formula=simplified)
    print(f"     {pad(product_name, width)} = {product: .4f}   {simplifies}")


def _matrix(values: np.ndarray, indent: int) -> str:
    """``values`` printed by NumPy, its continuation lines lined up under the first."""
    return np.array2string(values, precision=4, suppress_small=True).replace("\n", "\n" + " " * indent)
