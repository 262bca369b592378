"""Bad targets get errors that say what is wrong and what to do.

Each mistake here is one a learner makes in their first week: labels counted from 1,
float labels, a batch cut differently from its targets, a misspelt option. PyTorch
rejects each of them too; gradstep's messages name the numbers involved.
"""
import pytest
import torch

import gradstep
from gradstep import nn
from gradstep.nn import functional as F


def raises_in_pytorch_too(call):
    """``call(engine)`` fails in PyTorch; return the error it raises in gradstep."""
    with pytest.raises(Exception):
        call(torch)
    with pytest.raises(Exception) as error:
        call(gradstep)
    return error


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "NLLLoss"])
@pytest.mark.parametrize("bad", [3, 7, -1])
def test_a_class_index_out_of_range_names_the_index_and_the_number_of_classes(loss, bad):
    def call(engine):
        return getattr(engine.nn, loss)()(engine.zeros(3, 3), engine.tensor([0, bad, 1]))

    error = raises_in_pytorch_too(call)
    assert error.type is IndexError
    message = str(error.value)
    assert f"Target {bad} is out of bounds" in message and "3 classes" in message and "position 1" in message


def test_out_of_range_is_found_in_spatial_targets_and_ignored_ones_are_fine():
    logits = gradstep.zeros(2, 4, 5)
    targets = gradstep.zeros(2, 5, dtype=gradstep.int64)
    targets[1, 3] = 4
    with pytest.raises(IndexError, match="Target 4 is out of bounds: there are 4 classes"):
        nn.CrossEntropyLoss()(logits, targets)
    targets[1, 3] = -100
    nn.CrossEntropyLoss()(logits, targets)


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "NLLLoss"])
def test_float_class_labels_say_to_call_long(loss):
    def call(engine):
        return getattr(engine.nn, loss)()(engine.zeros(3, 4), engine.tensor([0.0, 2.0, 1.0]))

    message = str(raises_in_pytorch_too(call).value)
    assert "call target.long()" in message and "float32" in message


def test_one_hot_of_float_labels_says_to_call_long():
    with pytest.raises(RuntimeError, match=r"target.long\(\)"):
        F.one_hot(gradstep.tensor([1.0, 2.0]))


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "NLLLoss"])
def test_mismatched_batch_sizes_name_both(loss):
    def call(engine):
        return getattr(engine.nn, loss)()(engine.zeros(4, 3), engine.tensor([0, 1, 2, 0, 1]))

    error = raises_in_pytorch_too(call)
    assert error.type is ValueError
    assert "batch sizes 4 and 5 differ" in str(error.value)


@pytest.mark.parametrize("loss", ["BCELoss", "BCEWithLogitsLoss"])
def test_binary_losses_name_both_shapes(loss):
    def call(engine):
        return getattr(engine.nn, loss)()(engine.rand(4, 1), engine.rand(4))

    message = str(raises_in_pytorch_too(call).value)
    assert "(4,)" in message and "(4, 1)" in message


def test_mse_loss_refuses_the_shapes_pytorch_would_silently_broadcast():
    # PyTorch warns and broadcasts (4, 1) against (4,) into (4, 4), which is never what was meant.
    with pytest.raises(ValueError, match=r"target shape \(4,\) must match input shape \(4, 1\)"):
        nn.MSELoss()(gradstep.zeros(4, 1), gradstep.zeros(4))


@pytest.mark.parametrize("loss", ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"])
def test_a_misspelt_reduction_is_named(loss):
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        getattr(nn, loss)(reduction="avg")
    with pytest.raises(ValueError, match="'avg'"):
        F.cross_entropy(gradstep.zeros(2, 3), gradstep.tensor([0, 1]), reduction="avg")


def test_bce_of_scores_instead_of_probabilities_suggests_a_sigmoid():
    def call(engine):
        return engine.nn.BCELoss()(engine.tensor([0.5, 2.0]), engine.tensor([1.0, 0.0]))

    assert "sigmoid" in str(raises_in_pytorch_too(call).value)


def test_class_weights_of_the_wrong_length_are_named():
    def call(engine):
        return engine.nn.CrossEntropyLoss(weight=engine.ones(4))(engine.zeros(2, 3), engine.tensor([0, 1]))

    assert "(3,)" in str(raises_in_pytorch_too(call).value)


def test_integer_scores_are_refused():
    def call(engine):
        return engine.nn.CrossEntropyLoss()(engine.tensor([[1, 2, 3]]), engine.tensor([0]))

    assert "floating point" in str(raises_in_pytorch_too(call).value)


def test_label_smoothing_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(gradstep.zeros(2, 3), gradstep.tensor([0, 1]), label_smoothing=1.5)
