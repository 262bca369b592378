"""The differential fuzzer: random autograd programs give the same outcome in gradstep and in PyTorch.

The programs and the comparison are in ``tests/autograd_programs.py`` (its docstring says
what is compared and what is deliberately not). Below the fuzzing test are the
discrepancies it found, each as the smallest program that shows it: they are fixed now,
and stay here so they remain fixed.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import gradstep
from autograd_programs import Observed, Program, StepRecord, assert_same_outcome, differences, programs, run

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@FUZZ
@given(programs())
def test_random_programs_give_the_same_values_gradients_versions_and_errors(program):
    assert_same_outcome(program)


# ---- the comparison itself can fail ------------------------------------------------------------
def test_a_different_gradient_is_reported_with_its_step():
    program = Program.from_code(
        "t0 = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)",
        "(t0 * 3).sum().backward()",
    )
    ours = run(program, gradstep)
    theirs = [StepRecord(record.error, dict(record.state)) for record in ours]
    changed = theirs[1].state["t0"]
    theirs[1].state["t0"] = Observed(changed.kind, changed.dtype, changed.values, changed.version,
                                      changed.grad * (1 + 1e-6), changed.grad_dtype)
    found = differences(program, ours, theirs)
    assert found[0] == "at step 1: (t0 * 3).sum().backward()"
    assert found[1].startswith("t0.grad")


def test_a_missing_error_and_a_different_version_are_reported():
    program = Program.from_code("t0 = torch.ones(2, dtype=torch.float64)", "t0.mul_(2)")
    ours = run(program, gradstep)
    theirs = [ours[0], StepRecord(("RuntimeError", "boom"), {"t0": Observed("tensor", "float64", np.full(2, 2.0), 2)})]
    found = differences(program, ours, theirs)
    assert "error: gradstep None, PyTorch ('RuntimeError', 'boom')" in found
    assert "t0._version: gradstep 1, PyTorch 2" in found
