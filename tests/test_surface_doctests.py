"""The examples in gradstep's docstrings run and print what they show, in every module."""
import doctest
import importlib
import pkgutil

import pytest

import gradstep

# __main__ runs the command line when imported.
MODULES = sorted(module.name for module in pkgutil.walk_packages(gradstep.__path__, "gradstep.")
                 if not module.name.endswith("__main__"))


def test_the_modules_are_found():
    assert {"gradstep._tensor", "gradstep.autograd.hooks", "gradstep.ops.blas_threads", "gradstep.optim.sgd"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
