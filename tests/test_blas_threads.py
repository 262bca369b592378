"""The BLAS thread policy: one thread for small products, the BLAS's own count for large ones."""
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import gradstep
from gradstep.ops.blas_threads import SMALL_PRODUCT, blas_threads


def test_a_small_product_runs_on_one_thread_and_a_large_one_gets_the_threads_back():
    with threadpool_limits(2):
        small = gradstep.ones(4, 8) @ gradstep.ones(8, 3)
        assert blas_threads() == 1
        side = int(np.ceil(SMALL_PRODUCT ** (1 / 3))) + 1
        large = gradstep.ones(side, side) @ gradstep.ones(side, side)
        assert blas_threads() == 2
    assert small.tolist() == [[8.0] * 3] * 4 and large[0, 0].item() == side


def test_linear_layers_follow_the_policy_forward_and_backward():
    layer = gradstep.nn.Linear(8, 3)
    with threadpool_limits(2):
        layer(gradstep.ones(5, 8)).sum().backward()
        assert blas_threads() == 1
    assert layer.weight.grad.shape == (3, 8)


@pytest.mark.parametrize("setting, expected", [("1", "1"), ("2", "2"), ("auto", "1"), ("many", "GRADSTEP_BLAS_THREADS")])
def test_the_environment_variable_fixes_the_count(setting, expected):
    code = ("import gradstep; from gradstep.ops.blas_threads import blas_threads; "
            "gradstep.ones(4, 8) @ gradstep.ones(8, 3); print(blas_threads())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"GRADSTEP_BLAS_THREADS": setting, "OPENBLAS_NUM_THREADS": "2", "PATH": ""})
    assert expected in result.stdout + result.stderr
