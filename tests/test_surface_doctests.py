"""The examples in the docstrings of the PyTorch-surface modules run and print what they show."""
import doctest
import importlib

import pytest

MODULES = [
    "gradstep._dtype", "gradstep._signatures", "gradstep._legacy_types", "gradstep._printing", "gradstep.creation",
    "gradstep.accelerator", "gradstep.backends", "gradstep.linalg", "gradstep.ops.gather_scatter", "gradstep.ops.norm",
    "gradstep.nn.container", "gradstep.nn.module", "gradstep.nn.utils.clip_grad", "gradstep.nn.utils.convert_parameters",
    "gradstep.vision.io", "gradstep.vision.utils", "gradstep.vision.datasets", "gradstep.vision.transforms",
    "gradstep.vision.transforms.functional", "gradstep.vision.transforms.v2",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
