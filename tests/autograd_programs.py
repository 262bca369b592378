"""Random autograd programs, run on gradstep and on PyTorch side by side: a differential fuzzer.

A *program* is data: a list of steps, each one line (or one ``with`` block) of PyTorch code
over variables ``t0, t1, ...``. Printed, a program is a script that runs unchanged under
``import torch`` and under ``import gradstep as torch``, so a failing example is its own repro::

    t0 = torch.tensor([0.5, -1.25, 2.0], dtype=torch.float64, requires_grad=True)
    t1 = t0 * 1
    t2 = t1[1:]
    t2.mul_(t0[:2])
    t1.backward(torch.tensor([1.0, -0.5, 0.25], dtype=torch.float64))

``programs()`` is the hypothesis strategy that writes them: a few float64 leaves (some
requiring grad), then out-of-place ops, views, in-place ops (also through views and
``.data``), item assignment with basic and advanced indices, ``no_grad`` blocks, backward
with and without ``retain_graph``, ``autograd.grad`` (also a second derivative through
``create_graph=True``). While it writes, it runs the program so far on PyTorch, to know each
variable's shape and to pick operands that fit.

``run(program, lib)`` runs a program on one library and records, after every step, the
error it raised (type and message) and the state: every variable's dtype, shape, values,
``_version`` and ``.grad``, and, for a new variable and at the end, ``requires_grad`` and
``is_leaf``. ``assert_same_outcome(program)`` runs it on both libraries and asserts the same
record step by step: values and gradients to 1e-9 in float64 (relative to the tensor's
largest magnitude, or to 1 where that is smaller), the same versions, the same error types,
and for the errors of autograd's rules (in-place, versions, views, freed graphs, memory
overlap) the same key phrases of PyTorch's message and the same version numbers.

What is deliberately not compared, because PyTorch's answer there depends on its internals
rather than on the rules gradstep models:

- ``requires_grad``/``is_leaf`` of a gradient made with ``create_graph=True`` (PyTorch's
  result requires grad when its formula happens to use a saved tensor, even through a
  derivative that is identically zero, as relu's mask); such gradients are not used as
  operands later. The second derivative the program then takes is written as
  ``(g * x).sum()``, which depends on ``x`` in both libraries, so its values are compared;
  it keeps the graph (``retain_graph=True``), since which nodes it passes through, and so
  frees, depends on the same internals.
- ``.grad`` after a backward that raised: PyTorch may already have accumulated into the
  leaves its engine reached before the error (an order of its own); the program ends there.
- Steps whose result holds inf or nan are not generated: where an intermediate overflows,
  formulas that are equal in exact arithmetic may give inf in one library and nan in the other.
- ``_version`` counts from the version a variable was made with: PyTorch may return a fresh
  result at version 1 (``vector @ matrix`` ends in an in-place squeeze, ``autograd.grad``
  may sum a gradient in place). How in-place ops move the counter is compared.
- ``backward(inputs=...)`` names leaves only: given a non-leaf, PyTorch calls its
  ``retain_grad()``, which gradstep doesn't have, so later backward calls fill its ``.grad``
  in PyTorch only (a strict xfail in ``test_autograd_fuzz.py``).
- No writes into an expanded tensor or a view of one (gradstep's expanded tensors are
  read-only; PyTorch lets ``fill_`` and item assignment write through them), and no in-place
  op whose operand shares memory with the written tensor while one of them has gaps
  (``x.add_(x[:, :1])``): PyTorch doesn't check those, and its result then depends on the
  order its kernel visits the elements; nor one whose operand is one element of the written
  memory with dims (``x[...] = x.reshape(1, 1)`` for a one-element x): whether PyTorch calls
  that an overlap depends on the strides it gave size-1 dims (all three are strict xfails in
  ``test_autograd_fuzz.py``).

The test suite runs a few hundred programs (``tests/test_autograd_fuzz.py``); for a long
run, from the repository root::

    nice -n 10 python tests/autograd_programs.py --examples 5000

which runs in chunks of ``--chunk`` examples with different seeds, keeps going after a
failure, and prints each minimal failing program (shrunk by hypothesis) with both outcomes.
"""
from __future__ import annotations

import argparse
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from hypothesis import strategies as st

import gradstep
from gradstep.autograd.in_place import _is_dense  # whether an array fills its memory without gaps

# Small tensors: a second PyTorch thread only waits for the first.
torch.set_num_threads(1)

RTOL = 1e-9
MAX_STEPS = 10
MAX_NUMEL = 36
VARIABLE = re.compile(r"t\d+")

# Key phrases of PyTorch's messages for autograd's rules: where PyTorch's message has one,
# gradstep's must have the same (and no other of them).
KEY_PHRASES = (
    "modified by an inplace operation",
    "a leaf Variable that requires grad is being used in an in-place operation",
    "a view of a leaf Variable that requires grad is being used in an in-place operation",
    "Trying to backward through the graph a second time",
    "doesn't match the broadcast shape",
    "can't be cast to the desired output type",
    "does not require grad and does not have a grad_fn",
    "appears to not have been used in the graph",
    "more than one element of the written-to tensor refers to a single memory location",
    "is a view and is being modified inplace",
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled",
    "is a view of a view which was created in no_grad mode",
    "its base or another view of its base has been modified inplace",
    "This view is the output of a function that returns multiple views",
    "view size is not compatible with input tensor's size and stride",
    "can only change requires_grad flags of leaf variables",
)
VERSIONS_IN_MESSAGE = re.compile(r"is at version (\d+); expected version (\d+)")


# ---- programs as data ---------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One statement of a program."""

    code: str
    computes_gradients: bool = False
    """It runs backward or autograd.grad: after an error there, the program stops."""
    unstable: tuple[str, ...] = ()
    """Variables it defines whose requires_grad/is_leaf are not compared (see the module docstring)."""
    gradients: tuple[str, ...] = ()
    """Variables it defines that hold gradients returned by autograd.grad: later steps don't use them."""
    expanded: tuple[str, ...] = ()
    """Variables it defines that are expanded tensors or views of one: later steps don't write into them."""


@dataclass(frozen=True)
class Program:
    steps: tuple[Step, ...]

    @classmethod
    def from_code(cls, *lines: "str | Step") -> "Program":
        """A program written by hand (for regression tests): one statement (or Step) per argument."""
        return cls(tuple(
            line if isinstance(line, Step) else Step(line, computes_gradients="backward" in line or "autograd.grad" in line)
            for line in lines
        ))

    def __str__(self) -> str:
        return "\n".join(step.code for step in self.steps)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # how hypothesis prints a failing example

    def __repr__(self) -> str:
        lines = []
        for number, step in enumerate(self.steps):
            first, *rest = step.code.split("\n")
            lines += [f"    {first}  # step {number}"] + [f"    {line}" for line in rest]
        return "Program (runs as is with `import torch` or `import gradstep as torch`):\n" + "\n".join(lines) + "\n"


# ---- running a program and recording what happens ---------------------------------------
@dataclass
class Observed:
    """A variable's state after a step."""

    kind: str  # "tensor", "none" (a None from autograd.grad) or the type name of anything else
    dtype: str = ""
    values: np.ndarray | None = None
    version: int = 0
    grad: np.ndarray | None = None
    grad_dtype: str = ""
    requires_grad: bool | str | None = None
    is_leaf: bool | str | None = None


@dataclass
class StepRecord:
    error: tuple[str, str] | None
    state: dict[str, Observed] = field(default_factory=dict)


def _dtype_name(dtype: Any) -> str:
    return str(dtype).split(".")[-1]


def _numbers(tensor: Any) -> np.ndarray:
    return np.array(tensor.detach().numpy(), copy=True)


def observe(value: Any, flags: bool, with_grad: bool, version_offset: int = 0) -> Observed:
    """What a variable holds; ``flags`` adds requires_grad and is_leaf (which bring a view's history up to date)."""
    if value is None:
        return Observed("none")
    if isinstance(value, (bool, int, float)):
        return Observed(type(value).__name__, values=np.array(value))
    if not hasattr(value, "_version"):
        return Observed(type(value).__name__)
    seen = Observed("tensor", _dtype_name(value.dtype), _numbers(value), value._version - version_offset)
    grad = value.grad if with_grad else None
    if grad is not None:
        seen.grad, seen.grad_dtype = _numbers(grad), _dtype_name(grad.dtype)
    if flags:
        seen.requires_grad, seen.is_leaf = _flag(value, "requires_grad"), _flag(value, "is_leaf")
    return seen


def _flag(tensor: Any, name: str) -> Any:
    """``tensor.<name>``, or the type of the error reading it raises (PyTorch checks a view's history then)."""
    try:
        return getattr(tensor, name)
    except Exception as error:  # noqa: BLE001 - the error is the observation
        return type(error).__name__


def run(program: Program, lib: Any) -> list[StepRecord]:
    """Run ``program`` with ``torch`` bound to ``lib``; one record per step run."""
    namespace: dict[str, Any] = {"torch": lib}
    records: list[StepRecord] = []
    unstable: set[str] = set()
    # Versions count from the value a variable was made with: what an op returns may already be
    # at version 1 in PyTorch (``vector @ matrix`` ends in a squeeze_, autograd.grad may sum a
    # gradient in place), an internal detail; what is compared is how in-place ops move it.
    version_offset: dict[str, int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .grad of non-leaves, create_graph's reference cycle, ...
        for number, step in enumerate(program.steps):
            before = {name for name in namespace if VARIABLE.fullmatch(name)}
            try:
                exec(compile(step.code, f"<step {number}>", "exec"), namespace)  # noqa: S102 - the program under test
                error = None
            except Exception as caught:  # noqa: BLE001 - the error is the observation
                error = (type(caught).__name__, str(caught))
            unstable.update(step.unstable)
            for name in namespace.keys() - before:
                if VARIABLE.fullmatch(name) and hasattr(namespace[name], "_version"):
                    version_offset[name] = namespace[name]._version
            last = number == len(program.steps) - 1 or (error is not None and step.computes_gradients)
            with_grad = not (error is not None and step.computes_gradients)
            names = sorted((name for name in namespace if VARIABLE.fullmatch(name)), key=lambda n: int(n[1:]))
            state = {
                name: observe(namespace[name], flags=(last or name not in before) and name not in unstable,
                              with_grad=with_grad, version_offset=version_offset.get(name, 0))
                for name in names
            }
            records.append(StepRecord(error, state))
            if error is not None and step.computes_gradients:
                break
    return records


# ---- comparing two records ------------------------------------------------------------------
def _close(ours: np.ndarray, theirs: np.ndarray) -> bool:
    if ours.shape != theirs.shape:
        return False
    finite = theirs[np.isfinite(theirs)]
    # Relative to the largest magnitude, or to 1 when that is smaller: a value that is 0 in exact
    # arithmetic comes out as 0 in one library and as roundoff (1e-16) in the other.
    scale = max(float(np.max(np.abs(finite))) if finite.size else 0.0, 1.0)
    return bool(np.allclose(ours, theirs, rtol=RTOL, atol=RTOL * scale, equal_nan=True))


def _error_difference(ours: tuple[str, str] | None, theirs: tuple[str, str] | None) -> str | None:
    if ours is None and theirs is None:
        return None
    if ours is None or theirs is None:
        return f"error: gradstep {ours}, PyTorch {theirs}"
    if ours[0] != theirs[0]:
        return f"error type: gradstep {ours[0]}: {ours[1]}\n  PyTorch {theirs[0]}: {theirs[1]}"
    phrases = [{p for p in KEY_PHRASES if p in message} for _, message in (ours, theirs)]
    versions = [VERSIONS_IN_MESSAGE.findall(message) for _, message in (ours, theirs)]
    if phrases[0] != phrases[1] or versions[0] != versions[1]:
        return f"error message: gradstep {ours[1]!r}\n  PyTorch {theirs[1]!r}"
    return None


def _state_differences(ours: dict[str, Observed], theirs: dict[str, Observed]) -> list[str]:
    if set(ours) != set(theirs):
        return [f"variables: gradstep {sorted(ours)}, PyTorch {sorted(theirs)}"]
    found = []
    for name, mine in ours.items():
        reference = theirs[name]
        if mine.kind != reference.kind:
            found.append(f"{name}: gradstep holds {mine.kind}, PyTorch {reference.kind}")
            continue
        if mine.kind in ("bool", "int", "float") and not _close(mine.values, reference.values):
            found.append(f"{name}: gradstep {mine.values}, PyTorch {reference.values}")
        if mine.kind != "tensor":
            continue
        if mine.dtype != reference.dtype:
            found.append(f"{name}.dtype: gradstep {mine.dtype}, PyTorch {reference.dtype}")
        elif not _close(mine.values, reference.values):
            found.append(f"{name}: gradstep\n{mine.values}\n  PyTorch\n{reference.values}")
        if mine.version != reference.version:
            found.append(f"{name}._version: gradstep {mine.version}, PyTorch {reference.version}")
        if (mine.grad is None) != (reference.grad is None):
            found.append(f"{name}.grad: gradstep {mine.grad}, PyTorch {reference.grad}")
        elif mine.grad is not None and (mine.grad_dtype != reference.grad_dtype or not _close(mine.grad, reference.grad)):
            found.append(f"{name}.grad: gradstep\n{mine.grad}\n  PyTorch\n{reference.grad}")
        for flag in ("requires_grad", "is_leaf"):
            if getattr(reference, flag) is not None and getattr(mine, flag) != getattr(reference, flag):
                found.append(f"{name}.{flag}: gradstep {getattr(mine, flag)}, PyTorch {getattr(reference, flag)}")
    return found


def differences(program: Program, ours: list[StepRecord], theirs: list[StepRecord]) -> list[str]:
    """What differs, at the first step where anything does (empty when the outcomes agree)."""
    for number, (mine, reference) in enumerate(zip(ours, theirs)):
        found = [d for d in [_error_difference(mine.error, reference.error)] if d]
        found += _state_differences(mine.state, reference.state)
        if found:
            return [f"at step {number}: {program.steps[number].code}"] + found
    if len(ours) != len(theirs):
        return [f"gradstep ran {len(ours)} steps, PyTorch {len(theirs)}"]
    return []


def assert_same_outcome(program: Program) -> None:
    """Run ``program`` on gradstep and on PyTorch; fail with what differs, if anything."""
    found = differences(program, run(program, gradstep), run(program, torch))
    assert not found, f"{program!r}\n" + "\n  ".join(found)


# ---- writing programs --------------------------------------------------------------------------
def _literal(array: np.ndarray) -> str:
    return repr(array.tolist())


def _float_tensor(array: np.ndarray) -> str:
    return f"torch.tensor({_literal(array)}, dtype=torch.float64)"


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


numbers = st.integers(-24, 24).map(lambda i: i / 8)
"""Leaf values: multiples of 1/8 in [-3, 3], so ties and zeros (where rules like relu's and
max's matter) come up as often as general values."""
leaf_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


def _holds(condition: Callable[[torch.Tensor], bool], tensor: torch.Tensor) -> bool:
    """``condition(tensor)``; False where asking raises (``is_leaf`` of a view PyTorch now refuses)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return bool(condition(tensor))
        except RuntimeError:
            return False


class Shadow:
    """The program written so far, run on PyTorch: what the next step can be applied to."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.unstable: set[str] = set()  # variables later steps don't use
        self.expanded: set[str] = set()  # variables later steps don't write into
        self.ended = False
        self.count = 0
        self._rerun()

    def _rerun(self) -> None:
        self.namespace: dict[str, Any] = {"torch": torch}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for step in self.steps:
                try:
                    exec(step.code, self.namespace)  # noqa: S102
                except Exception:  # noqa: BLE001 - an error step, accepted as such
                    pass

    def new_name(self) -> str:
        name = f"t{self.count}"
        self.count += 1
        return name

    def tensors(self, condition: Callable[[torch.Tensor], bool] = lambda t: True) -> list[str]:
        """Names of the variables a step may use, in the order they were made."""
        names = [
            name for name, value in self.namespace.items()
            if VARIABLE.fullmatch(name) and name not in self.unstable and isinstance(value, torch.Tensor)
            and _holds(condition, value)
        ]
        return sorted(names, key=lambda n: int(n[1:]))

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.namespace[name]

    def shape_of(self, expression: str) -> tuple[int, ...] | None:
        """The shape ``expression`` has on the current variables (None when PyTorch refuses it)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return tuple(eval(expression, dict(self.namespace)).shape)  # noqa: S307
            except Exception:  # noqa: BLE001
                return None

    def try_step(self, step: Step) -> bool:
        """Run ``step``; keep it when everything stays finite and small (an error is kept too)."""
        count = self.count
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(step.code, self.namespace)  # noqa: S102
                failed = False
            except Exception:  # noqa: BLE001
                failed = True
        if self._acceptable():
            self.steps.append(step)
            self.unstable.update(step.unstable + step.gradients)
            self.expanded.update(step.expanded)
            self.ended = failed and step.computes_gradients
            return True
        self.count = count
        self._rerun()  # the step may have changed tensors in place: start again from the kept steps
        return False

    def _acceptable(self) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # .grad of a non-leaf
            return self._all_small_and_finite()

    def _all_small_and_finite(self) -> bool:
        for name, value in self.namespace.items():
            if not (VARIABLE.fullmatch(name) and isinstance(value, torch.Tensor)):
                continue
            if value.numel() > MAX_NUMEL or value.ndim > 4:
                return False
            for tensor in (value, value.grad):
                if tensor is not None and not bool(torch.isfinite(tensor.detach()).all()):
                    return False
        return True


class NothingFits(Exception):
    """A writer found no variable its step could apply to: the generator tries another writer."""


def _pick(draw: Any, names: list[str]) -> str:
    if not names:
        raise NothingFits
    return draw(st.sampled_from(names))


def _is_variable(operand: str) -> bool:
    return VARIABLE.fullmatch(operand) is not None


def _aliasing_is_unclear(a: torch.Tensor, b: torch.Tensor) -> bool:
    """``a`` and ``b`` share memory, and either one of them has gaps (PyTorch doesn't check such
    an in-place op, and its result then depends on the order its kernel visits the elements),
    or ``a`` is one element with dims (PyTorch's overlap check then depends on the strides it
    gave size-1 dims, which depend on how they were made: NumPy's arrays don't keep that)."""
    x, y = a.detach().numpy(), b.detach().numpy()
    if not np.shares_memory(x, y):
        return False
    return not (_is_dense(x) and _is_dense(y)) or (x.size == 1 and x.ndim > 0)


def _operand(draw: Any, shadow: Shadow, shape: tuple[int, ...], exact: bool = False, written: str | None = None) -> str:
    """A variable whose shape broadcasts with ``shape`` (to exactly ``shape`` if ``exact``, mostly), or a number.

    For an in-place op that writes to the variable ``written``: not one whose aliasing with it is unclear.
    """
    fits = shadow.tensors(lambda t: _broadcast(tuple(t.shape), shape) is not None and (
        written is None or not _aliasing_is_unclear(t, shadow[written])))
    if exact and draw(st.integers(0, 9)) > 0:
        fits = [n for n in fits if _broadcast(tuple(shadow[n].shape), shape) == shape]
    if not fits or draw(st.integers(0, 4)) == 0:
        return repr(draw(st.sampled_from([2.0, -0.5, 1.5, 0.0, 3])))
    return _pick(draw, fits)


def _dim(draw: Any, ndim: int) -> int:
    return draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))


def _basic_index(draw: Any, shape: tuple[int, ...]) -> str:
    """Ints, slices (with steps), ``:`` and ``None`` for some of the leading dims, or after ``...`` the trailing ones."""
    count = draw(st.integers(1, len(shape)))
    trailing = draw(st.integers(0, 3)) == 0
    parts = []
    for size in shape[-count:] if trailing else shape[:count]:
        kind = draw(st.sampled_from(["int", "slice", "all", "step"]))
        if kind == "int":
            parts.append(str(draw(st.integers(-size, size - 1))))
        elif kind == "slice":
            start = draw(st.integers(0, size - 1))
            parts.append(f"{start}:{draw(st.integers(start + 1, size))}")
        elif kind == "step":
            parts.append(draw(st.sampled_from(["::2", "1::2", "::-1"])))
        else:
            parts.append(":")
    if draw(st.integers(0, 4)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), "None")
    return ", ".join(["...", *parts] if trailing else parts)


def _advanced_index(draw: Any, shadow: Shadow, name: str, shape: tuple[int, ...]) -> str:
    """Integer lists or tensors (repeats allowed) and boolean masks."""
    size = shape[0]
    kind = draw(st.sampled_from(["list", "tensor", "mask", "mask_dim0", "second_dim"]))
    positions = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3))
    if kind == "list":
        return repr(positions)
    if kind == "tensor":
        return f"torch.tensor({positions!r})"
    if kind == "mask":
        same_shape = shadow.tensors(lambda t: tuple(t.shape) == shape)
        return f"{_pick(draw, same_shape)} > 0"
    if kind == "mask_dim0":
        flags = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        return f"torch.tensor({flags!r})"
    if len(shape) < 2:
        return repr(positions)
    columns = draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=1, max_size=3))
    return f":, {columns!r}"


def _index(draw: Any, shadow: Shadow, name: str, shape: tuple[int, ...]) -> str:
    if draw(st.booleans()):
        return _basic_index(draw, shape)
    return _advanced_index(draw, shadow, name, shape)


def _reshaped(draw: Any, shape: tuple[int, ...]) -> str:
    numel = _numel(shape)
    if numel == 0:
        return draw(st.sampled_from(["0", "2, 0", "0, -1", "-1"]))
    factors = [d for d in range(1, numel + 1) if numel % d == 0]
    first = draw(st.sampled_from(factors))
    rest = numel // first
    options = [(numel,), (first, rest), (rest, first), (first, 1, rest), (1, numel)]
    new = list(draw(st.sampled_from(options)))
    if draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return ", ".join(map(str, new)) if new else "()"


# Each writer gets the shadow and a fresh name (for the variable it may define) and returns
# a statement, or None when nothing fits.
def write_unary(draw: Any, shadow: Shadow, out: str) -> str | None:
    x = _pick(draw, shadow.tensors())
    ndim = shadow[x].ndim
    options = [
        f"{x}.exp()", f"{x}.tanh()", f"{x}.sigmoid()", f"{x}.relu()", f"torch.relu({x})", f"{x}.abs()", f"-{x}",
        f"{x}.clone()", f"{x}.sqrt()", f"{x}.log()", f"{x} ** 2", f"{x} ** 3", f"{x}.pow(0.5)", f"{x} ** -1",
        f"{x} ** 0", f"2.5 ** {x}", f"{x} * 2", f"1.5 - {x}", f"{x} / 4", f"2 / {x}", f"{x}.contiguous()",
        f"{x}.clamp(min={draw(numbers)})", f"{x}.clamp(max={draw(numbers)})",
        f"{x}.clamp({draw(numbers)}, {draw(numbers)})",
        f"{x}.sum()", f"{x}.mean()", f"{x}.max()", f"{x}.min()",
    ]
    if ndim >= 1:
        d, keep = _dim(draw, ndim), draw(st.booleans())
        options += [
            f"{x}.softmax({d})", f"{x}.log_softmax({d})", f"{x}.sum(dim={d}, keepdim={keep})",
            f"{x}.mean({d}, keepdim={keep})", f"{x}.max(dim={d}, keepdim={keep}).values", f"{x}.min({d})[0]",
        ]
    if ndim >= 2:
        options += [f"{x}.sum(dim=(0, -1))", f"{x}.mean(dim=[-2, -1], keepdim=True)"]
    return f"{out} = {draw(st.sampled_from(options))}"


def write_binary(draw: Any, shadow: Shadow, out: str) -> str | None:
    x = _pick(draw, shadow.tensors())
    shape = tuple(shadow[x].shape)
    y = _operand(draw, shadow, shape)
    options = [f"{x} + {y}", f"{x} - {y}", f"{x} * {y}", f"{x} / {y}", f"{y} * {x}", f"{y} - {x}",
               f"torch.add({x}, {y}, alpha=-2)"]
    if _is_variable(y):
        options += [f"torch.maximum({x}, {y})", f"torch.minimum({x}, {y})", f"torch.where({y} > 0, {x}, {y})",
                    f"torch.where({x} < 0.5, {x}, {y})"]
    return f"{out} = {draw(st.sampled_from(options))}"


def write_matmul(draw: Any, shadow: Shadow, out: str) -> str | None:
    x = _pick(draw, shadow.tensors(lambda t: t.ndim >= 1))
    xs = tuple(shadow[x].shape)
    pairs = [f"{x} @ {y}" for y in shadow.tensors(lambda t: t.ndim >= 1)
             if shadow.shape_of(f"torch.empty({xs}) @ torch.empty({tuple(shadow[y].shape)})") is not None]
    if len(xs) >= 2:
        pairs += [f"{x} @ {x}.transpose(-2, -1)", f"{x}.transpose(-1, -2) @ {x}"]
    if len(xs) == 1:
        pairs.append(f"{x} @ {x}")
    return f"{out} = {draw(st.sampled_from(pairs))}" if pairs else None


def write_join(draw: Any, shadow: Shadow, out: str) -> str | None:
    x = _pick(draw, shadow.tensors())
    shape = tuple(shadow[x].shape)
    if draw(st.booleans()):
        same = shadow.tensors(lambda t: tuple(t.shape) == shape)
        parts = draw(st.lists(st.sampled_from(same), min_size=1, max_size=2))
        return f"{out} = torch.stack([{x}, {', '.join(parts)}], dim={_dim(draw, len(shape) + 1)})"
    if not shape:
        return None
    d = _dim(draw, len(shape))
    fits = shadow.tensors(lambda t: t.ndim == len(shape) and all(
        a == b for i, (a, b) in enumerate(zip(t.shape, shape)) if i != d % len(shape)))
    parts = draw(st.lists(st.sampled_from(fits), min_size=1, max_size=2))
    return f"{out} = torch.cat([{x}, {', '.join(parts)}], dim={d})"


def write_view(draw: Any, shadow: Shadow, out: str) -> Step | None:
    """Ops whose result shares memory with their input, and indexing."""
    x = _pick(draw, shadow.tensors(lambda t: t.numel() > 0))
    shape = tuple(shadow[x].shape)
    ndim = len(shape)
    options = [f"{x}.reshape({_reshaped(draw, shape)})", f"{x}.view({_reshaped(draw, shape)})",
               f"{x}.unsqueeze({_dim(draw, ndim + 1)})", f"{x}.squeeze()", f"{x}.flatten()", f"{x}.detach()",
               f"{x}.data", f"{x}.expand({', '.join(map(str, _expanded(draw, shape)))})"]
    if ndim <= 2:
        options.append(f"{x}.t()")
    if ndim >= 1:
        d = _dim(draw, ndim)
        size = shape[d]
        start = draw(st.integers(0, size - 1))
        options += [
            f"{x}.squeeze({d})", f"{x}.select({d}, {draw(st.integers(-size, size - 1))})",
            f"{x}.narrow({d}, {start}, {draw(st.integers(1, size - start))})",
            f"{x}.split({draw(st.integers(1, 2))}, dim={d})[{draw(st.integers(0, (size - 1) // 2))}]",
            f"{x}.chunk(2, {d})[0]", f"{x}.unbind({d})[{draw(st.integers(0, size - 1))}]",
            f"{x}[{_index(draw, shadow, x, shape)}]",
            f"{x}[{_index(draw, shadow, x, shape)}]",
            f"{x}.transpose({_dim(draw, ndim)}, {_dim(draw, ndim)})",
            f"{x}.permute({', '.join(map(str, draw(st.permutations(range(ndim)))))})",
            f"{x}.movedim({_dim(draw, ndim)}, {_dim(draw, ndim)})",
        ]
    view = draw(st.sampled_from(options))
    expanded = x in shadow.expanded or view.startswith(f"{x}.expand(")
    return Step(f"{out} = {view}", expanded=(out,) if expanded else ())


def _expanded(draw: Any, shape: tuple[int, ...]) -> list[int]:
    sizes = [draw(st.sampled_from([1, 2, 3, -1])) if s == 1 else draw(st.sampled_from([s, -1])) for s in shape]
    if draw(st.booleans()) or not sizes:
        sizes.insert(0, 2)
    return sizes


def _writable(shadow: Shadow, condition: Callable[[torch.Tensor], bool] = lambda t: True) -> list[str]:
    return [name for name in shadow.tensors(condition) if name not in shadow.expanded]


def write_in_place(draw: Any, shadow: Shadow, out: str) -> str | None:
    x = _pick(draw, _writable(shadow))
    shape = tuple(shadow[x].shape)
    y = _operand(draw, shadow, shape, exact=True, written=x)
    v = draw(numbers)
    options = [
        f"{x}.add_({y})", f"{x}.add_({y}, alpha=-0.5)", f"{x}.sub_({y})", f"{x}.mul_({y})", f"{x}.div_({y})",
        f"{x} += {y}", f"{x} -= {y}", f"{x} *= {y}", f"{x} /= {y}", f"{x}.copy_({y})" if _is_variable(y) else f"{x}.fill_({y})",
        f"{x}.clamp_(min={v})", f"{x}.clamp_({v}, {v + 1})", f"{x}.relu_()", f"{x}.zero_()", f"{x}.fill_({v})",
        f"{x}.exp_()", f"{x}.tanh_()", f"{x}.sigmoid_()", f"{x}.neg_()", f"{x}.abs_()", f"{x}.pow_(2)",
        f"{x}.sqrt_()", f"{x}.detach().mul_({v})",
    ]
    return draw(st.sampled_from(options))


def write_set_item(draw: Any, shadow: Shadow, out: str) -> str | None:
    x = _pick(draw, _writable(shadow, lambda t: t.ndim >= 1 and t.numel() > 0))
    shape = tuple(shadow[x].shape)
    index = _index(draw, shadow, x, shape)
    target = shadow.shape_of(f"{x}[{index}]")
    if target is None:
        return f"{x}[{index}] = 0.0"  # an index PyTorch refuses: the errors must agree
    value = _operand(draw, shadow, target, exact=True, written=x)
    operator = draw(st.sampled_from(["=", "=", "+=", "*=", "-="]))
    return f"{x}[{index}] {operator} {value}"


def write_data(draw: Any, shadow: Shadow, out: str) -> str | None:
    """Changes made through ``.data``, outside the graph and the version counter."""
    x = _pick(draw, _writable(shadow))
    shape = tuple(shadow[x].shape)
    options = [f"{x}.data.mul_({draw(numbers)})", f"{x}.data = torch.full_like({x}.detach(), {draw(numbers)})",
               f"{x}.requires_grad_()", f"{x}.detach_()"]
    same = shadow.tensors(lambda t: tuple(t.shape) == shape)
    options.append(f"{x}.data = {_pick(draw, same)}.detach().clone()")
    if shape and _numel(shape):
        options.append(f"{x}.data[{_basic_index(draw, shape)}] = {draw(numbers)}")
    return draw(st.sampled_from(options))


def write_no_grad(draw: Any, shadow: Shadow, out: str) -> Step | None:
    """A ``with torch.no_grad():`` block of one or two statements (views, ops, in-place changes)."""
    inner, expanded = [], []
    for _ in range(draw(st.integers(1, 2))):
        writer = draw(st.sampled_from([write_view, write_in_place, write_unary, write_binary, write_set_item]))
        written = writer(draw, shadow, out)
        if written is None:
            return None
        statement = written if isinstance(written, Step) else Step(written)
        inner.append(statement.code)
        expanded += statement.expanded
        if statement.code.startswith(f"{out} ="):
            out = shadow.new_name()  # a second statement defines a second variable
    return Step("with torch.no_grad():\n    " + "\n    ".join(inner), expanded=tuple(expanded))


def _upstream(draw: Any, shape: tuple[int, ...]) -> str:
    values = np.array(draw(st.lists(numbers, min_size=_numel(shape), max_size=_numel(shape))), dtype=float)
    return _float_tensor(values.reshape(shape))


def write_backward(draw: Any, shadow: Shadow, out: str) -> Step | None:
    candidates = shadow.tensors(lambda t: t.requires_grad)
    if not candidates:
        return None
    y = _pick(draw, candidates)
    shape = tuple(shadow[y].shape)
    retain = draw(st.sampled_from(["", ", retain_graph=True", ", create_graph=True"]))
    leaves = shadow.tensors(lambda t: t.requires_grad and t.is_leaf)
    if leaves and draw(st.integers(0, 3)) == 0:  # only into some leaves' .grad
        retain += f", inputs=[{', '.join(draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=2, unique=True)))}]"
    if not shape and draw(st.booleans()):
        return Step(f"{y}.backward({retain.lstrip(', ')})", computes_gradients=True)
    return Step(f"{y}.backward({_upstream(draw, shape)}{retain})", computes_gradients=True)


def _reaching(shadow: Shadow, y: str, inputs: list[str]) -> list[str]:
    """Which of ``inputs`` a gradient of ``y`` reaches (probed on PyTorch with retain_graph)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            grads = torch.autograd.grad(shadow[y].sum(), [shadow[n] for n in inputs], retain_graph=True, allow_unused=True)
        except RuntimeError:
            return []
    return [n for n, g in zip(inputs, grads) if g is not None]


def write_grad(draw: Any, shadow: Shadow, out: str) -> Step | None:
    """``autograd.grad`` of a weighted sum, with respect to leaves or intermediate tensors."""
    candidates = shadow.tensors(lambda t: t.requires_grad)
    if not candidates:
        return None
    y = _pick(draw, candidates)
    inputs = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True))
    names = [out] + [shadow.new_name() for _ in inputs[1:]]
    upstream = _upstream(draw, tuple(shadow[y].shape))
    retain = draw(st.sampled_from(["", ", retain_graph=True"]))
    unused = draw(st.sampled_from(["", ", allow_unused=True"]))
    return Step(
        f"{', '.join(names)}, = torch.autograd.grad({y}, [{', '.join(inputs)}], {upstream}{retain}{unused})",
        computes_gradients=True, gradients=tuple(names),
    )


def write_second_derivative(draw: Any, shadow: Shadow, out: str) -> Step | None:
    """g = ∂y/∂x with create_graph=True, then ∂(Σ g·x)/∂x: a Hessian-vector product plus g."""
    candidates = shadow.tensors(lambda t: t.requires_grad)
    if not candidates:
        return None
    y = _pick(draw, candidates)
    leaves = _reaching(shadow, y, shadow.tensors(lambda t: t.requires_grad and t.is_leaf))
    if not leaves:
        return None
    x = _pick(draw, leaves)
    second = shadow.new_name()
    upstream = _upstream(draw, tuple(shadow[y].shape))
    code = (f"{out}, = torch.autograd.grad({y}, {x}, {upstream}, create_graph=True)\n"
            f"{second}, = torch.autograd.grad(({out} * {x}).sum(), {x}, retain_graph=True)")
    return Step(code, computes_gradients=True, unstable=(out,), gradients=(out, second))


def write_zero_grad(draw: Any, shadow: Shadow, out: str) -> str | None:
    leaves = shadow.tensors(lambda t: t.grad is not None)
    if not leaves:
        return None
    x = _pick(draw, leaves)
    return draw(st.sampled_from([f"{x}.grad = None", f"{x}.grad.zero_()"]))


WRITERS = [write_unary, write_binary, write_view, write_view, write_in_place, write_in_place, write_set_item,
           write_set_item, write_backward, write_backward, write_grad, write_second_derivative, write_matmul,
           write_join, write_data, write_no_grad, write_zero_grad]


def _leaf(draw: Any, name: str) -> str:
    shape = draw(leaf_shapes)
    values = np.array(draw(st.lists(numbers, min_size=_numel(shape), max_size=_numel(shape))), dtype=float)
    requires_grad = draw(st.booleans())
    return f"{name} = torch.tensor({_literal(values.reshape(shape))}, dtype=torch.float64, requires_grad={requires_grad})"


@st.composite
def programs(draw: Any, max_steps: int = MAX_STEPS) -> Program:
    """A random program: 1 to 3 leaves, then up to ``max_steps`` steps that PyTorch can run
    (or that raise, as a step of the program: the errors must agree too)."""
    shadow = Shadow()
    for _ in range(draw(st.integers(1, 3))):
        shadow.try_step(Step(_leaf(draw, shadow.new_name())))
    leaves, attempts = len(shadow.steps), 0
    target = draw(st.integers(1, max_steps))
    while len(shadow.steps) - leaves < target and attempts < 3 * max_steps and not shadow.ended:
        attempts += 1
        writer = draw(st.sampled_from(WRITERS))
        count = shadow.count
        try:
            written = writer(draw, shadow, shadow.new_name())
        except NothingFits:
            written = None
        if written is None:
            shadow.count = count
            continue
        step = written if isinstance(written, Step) else Step(written)
        if not shadow.try_step(step):
            shadow.count = count
    return Program(tuple(shadow.steps))


# ---- the long run ------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    from hypothesis import HealthCheck, given, seed, settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="programs to run in all")
    parser.add_argument("--chunk", type=int, default=500, help="programs per hypothesis run (each with its own seed)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first chunk")
    args = parser.parse_args(argv)

    failures = 0
    for number, start in enumerate(range(0, args.examples, args.chunk)):
        chunk_seed = args.seed + number

        @seed(chunk_seed)
        @settings(max_examples=min(args.chunk, args.examples - start), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
        @given(programs())
        def check(program: Program) -> None:
            assert_same_outcome(program)

        try:
            check()
            print(f"chunk {number} (seed {chunk_seed}): {min(args.chunk, args.examples - start)} programs agree", flush=True)
        except Exception as failure:  # noqa: BLE001 - a discrepancy, or a bug of the generator: report, go on
            failures += 1
            print(f"chunk {number} (seed {chunk_seed}): {type(failure).__name__}\n{failure}\n", flush=True)
    print(f"{failures} chunk(s) with a discrepancy")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
