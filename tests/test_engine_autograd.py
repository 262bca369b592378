"""The rules of autograd, each played out in gradstep and in PyTorch with the same outcome.

A scenario is a function of the library (``gradstep`` or ``torch``) that returns what it
observed: values as plain Python data, and errors as the name of their type.
"""
import sys

import numpy as np
import pytest
import torch

import gradstep


def plain(value):
    """Tensors as [dtype name, nested lists], tuples as lists: results of both libraries compare with ==."""
    if isinstance(value, (gradstep.Tensor, torch.Tensor)):
        return [repr(value.dtype).split(".")[-1], value.tolist()]
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def outcome(action):
    """What ``action()`` gives: its result as plain data, or the type of the error it raises."""
    try:
        return plain(action())
    except Exception as error:  # noqa: BLE001 - the type of error is the observation
        return type(error).__name__


def same_in_both(scenario):
    ours, theirs = plain(scenario(gradstep)), plain(scenario(torch))
    assert ours == theirs
    return ours


# ---- backward ------------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        first = plain(w.grad)
        (w * 3).sum().backward()
        return first, plain(w.grad)

    assert same_in_both(scenario) == [["float32", [2.0, 4.0]], ["float32", [5.0, 7.0]]]


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
def test_non_leaf_grad_is_none_and_reading_it_warns():
    import warnings

    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = w * 2
        y.sum().backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            grad = y.grad
            _ = w.grad, lib.tensor([1.0]).grad  # a leaf's .grad: no warning
        return grad, [w.category.__name__ for w in caught], y.is_leaf, w.is_leaf, y.grad_fn is None, w.grad_fn is None

    assert same_in_both(scenario) == [None, ["UserWarning"], False, True, False, True]


def test_float_of_a_tensor_that_requires_grad_warns_once_and_item_does_not():
    import subprocess

    # In a fresh process for each library: both warn only once a process.
    code = ("import warnings, {lib} as lib\nloss = lib.tensor(2.0, requires_grad=True) * 3\n"
            "with warnings.catch_warnings(record=True) as caught:\n    warnings.simplefilter('always')\n"
            "    values = [loss.item(), float(loss), float(loss), float(loss.detach())]\n"
            "print(values, [str(w.message)[:40] for w in caught])")
    seen = [subprocess.run([sys.executable, "-c", code.format(lib=lib)], capture_output=True, text=True, check=True).stdout
            for lib in ("gradstep", "torch")]
    assert seen[0] == seen[1] == "[6.0, 6.0, 6.0, 6.0] ['Converting a tensor with requires_grad=T']\n"


def test_max_min_and_sort_along_a_dim_name_their_nodes_as_pytorch_does():
    def scenario(lib):
        x = lib.tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True)
        return [x.max(1).values.grad_fn.name(), x.min(0)[0].grad_fn.name(), x.sort(1).values.grad_fn.name()]

    assert same_in_both(scenario) == ["MaxBackward0", "MinBackward0", "SortBackward0"]


def test_assigning_grad_checks_what_is_assigned():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)

        def assign(value):
            w.grad = value
            return w.grad

        return [outcome(lambda: assign(lib.zeros(3))), outcome(lambda: assign(0)),
                outcome(lambda: assign(lib.zeros(2, dtype=lib.float64))), outcome(lambda: assign(lib.ones(2))),
                outcome(lambda: assign(None))]

    assert same_in_both(scenario) == ["RuntimeError", "TypeError", "RuntimeError", ["float32", [1.0, 1.0]], None]


def test_backward_of_non_scalar_needs_a_gradient():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        without = outcome(lambda: (w * w).backward())
        (w * w).backward(lib.tensor([1.0, 0.5]))
        (w * 1).backward(gradient=lib.tensor([10.0, 10.0]))
        return without, plain(w.grad)

    assert same_in_both(scenario) == ["RuntimeError", ["float32", [12.0, 12.0]]]


def test_backward_of_a_tensor_without_grad_raises():
    def scenario(lib):
        return outcome(lambda: lib.tensor([1.0]).sum().backward())

    assert same_in_both(scenario) == "RuntimeError"


# Ops that keep tensors for their backward (x*y keeps x and y) free them after a backward;
# ops that keep nothing (x+y) can be backwarded through again.
OPS_FOR_SECOND_BACKWARD = {
    "add": lambda lib, w: w + 1,
    "sub": lambda lib, w: 1 - w,
    "neg": lambda lib, w: -w,
    "mean": lambda lib, w: w.mean(dim=0),
    "reshape": lambda lib, w: w.reshape(-1),
    "transpose": lambda lib, w: w.t(),
    "expand": lambda lib, w: w.expand(2, 2, 3),
    "slice": lambda lib, w: w[:, 1:],
    "cat": lambda lib, w: lib.cat([w, w]),
    "cast": lambda lib, w: w.double(),
    "mul by tensor": lambda lib, w: w * w,
    "mul by number": lambda lib, w: w * 2,
    "div": lambda lib, w: w / 3,
    "pow": lambda lib, w: w**2,
    "exp": lambda lib, w: w.exp(),
    "relu": lambda lib, w: w.relu(),
    "softmax": lambda lib, w: w.softmax(dim=1),
    "matmul": lambda lib, w: w @ w.t(),
    "max along a dim": lambda lib, w: w.max(dim=1).values,
    "integer-array index": lambda lib, w: w[[0, 0, 1]],
    "mask index": lambda lib, w: w[w > 2],
}


@pytest.mark.parametrize("retain_graph", [False, True])
@pytest.mark.parametrize("name", OPS_FOR_SECOND_BACKWARD)
def test_second_backward_needs_retain_graph_when_an_op_saved_tensors(name, retain_graph):
    op = OPS_FOR_SECOND_BACKWARD[name]

    def scenario(lib):
        w = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        loss = op(lib, w).sum()
        loss.backward(retain_graph=retain_graph)
        return outcome(loss.backward), w.grad.numpy()

    (second, grad), (expected_second, expected_grad) = scenario(gradstep), scenario(torch)
    assert second == expected_second
    assert retain_graph is False or second is None
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-6)  # float32 exp may differ in the last bit


# ---- autograd.grad -------------------------------------------------------------------------
def test_autograd_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        hidden = x * w
        loss = (hidden * hidden).sum()
        by_leaf = lib.autograd.grad(loss, [x, w], retain_graph=True)
        by_hidden = lib.autograd.grad(loss, hidden, retain_graph=None)
        weighted = lib.autograd.grad(hidden, x, grad_outputs=lib.tensor([1.0, -1.0]))
        return type(by_leaf).__name__, plain(by_leaf), plain(by_hidden), plain(weighted), x.grad, w.grad

    assert same_in_both(scenario) == [
        "tuple",
        [["float32", [18.0, 64.0]], ["float32", [6.0, 32.0]]],
        [["float32", [6.0, 16.0]]],
        [["float32", [3.0, -4.0]]],
        None,
        None,
    ]


def test_autograd_grad_of_unused_input():
    def scenario(lib):
        x = lib.tensor([1.0], requires_grad=True)
        unused = lib.tensor([1.0], requires_grad=True)
        loss = (x * 2).sum()
        refused = outcome(lambda: lib.autograd.grad(loss, [x, unused], retain_graph=True))
        allowed = outcome(lambda: lib.autograd.grad(loss, [x, unused], allow_unused=True))
        return refused, allowed

    assert same_in_both(scenario) == ["RuntimeError", [["float32", [2.0]], None]]


# ---- switching the graph off --------------------------------------------------------------
def test_no_grad_as_context_manager_and_decorators():
    def scenario(lib):
        w = lib.tensor([1.0], requires_grad=True)
        with lib.no_grad():
            inside = (w * 2).requires_grad, lib.is_grad_enabled()

        @lib.no_grad()
        def called():
            return (w * 2).requires_grad

        @lib.no_grad
        def bare():
            return (w * 2).grad_fn

        return inside, called(), bare(), called.__name__, (w * 2).requires_grad, lib.is_grad_enabled()

    assert same_in_both(scenario) == [[False, False], False, None, "called", True, True]


def test_set_grad_enabled_as_a_call_a_block_and_a_decorator():
    def scenario(lib):
        w = lib.tensor([1.0], requires_grad=True)
        seen = []
        lib.set_grad_enabled(False)  # on its own: off until switched back
        seen += [lib.is_grad_enabled(), (w * 2).requires_grad]
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            seen.append(lib.is_grad_enabled())
            lib.set_grad_enabled(True)  # a switch inside the block lasts until the block ends
            seen.append(lib.is_grad_enabled())
        seen.append(lib.is_grad_enabled())
        with lib.no_grad():
            with lib.set_grad_enabled(True):
                seen.append((w * 2).requires_grad)
            seen.append(lib.is_grad_enabled())

        @lib.set_grad_enabled(False)
        def evaluate():
            return (w * 2).requires_grad

        seen += [lib.is_grad_enabled(), evaluate(), lib.is_grad_enabled(), outcome(lambda: lib.set_grad_enabled("no"))]
        return seen

    assert same_in_both(scenario) == [False, False, False, True, True, True, False, True, False, True, "TypeError"]


@pytest.mark.parametrize("switch", ["no_grad", "set_grad_enabled"])
def test_grad_mode_belongs_to_the_thread(switch):
    import threading

    def scenario(lib):
        def in_thread(work):
            seen = []
            thread = threading.Thread(target=lambda: seen.append(work()))
            thread.start()
            thread.join()
            return seen[0]

        def switched_off_there():
            if switch == "no_grad":
                with lib.no_grad():
                    return lib.is_grad_enabled()
            lib.set_grad_enabled(False)
            return lib.is_grad_enabled()

        with lib.no_grad():
            started_inside = in_thread(lib.is_grad_enabled)  # a new thread records, whatever this one does
        return [started_inside, in_thread(switched_off_there), lib.is_grad_enabled()]

    assert same_in_both(scenario) == [True, False, True]


def test_user_created_tensors_do_not_require_grad():
    def scenario(lib):
        made = [lib.tensor([1.0]), lib.zeros(2), lib.ones(2), lib.rand(2), lib.randn(2), lib.arange(3),
                lib.full((2,), 1.0), lib.from_numpy(np.ones(2)), lib.tensor([1.0]) * 2]
        return [t.requires_grad for t in made] + [t.is_leaf for t in made]

    assert set(same_in_both(scenario)) == {False, True}


def test_requires_grad_detach_and_grad_fn():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0]).requires_grad_()
        y = w * 2
        detached = y.detach()
        return [
            w.requires_grad, w.is_leaf, y.requires_grad, y.grad_fn is not None, y.is_leaf,
            detached.requires_grad, detached.is_leaf, detached.grad_fn,
            outcome(lambda: y.requires_grad_(False)), outcome(lambda: y.requires_grad_(True).requires_grad),
            outcome(lambda: lib.tensor([1, 2]).requires_grad_()), w.requires_grad_(False).requires_grad,
        ]

    assert same_in_both(scenario) == [
        True, True, True, True, False, False, True, None, "RuntimeError", True, "RuntimeError", False,
    ]


# ---- hooks and retain_grad ----------------------------------------------------------------
def test_retain_grad_keeps_a_results_gradient_and_accumulates_it():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = w * 2
        y.retain_grad()
        loss = (y * y).sum()
        loss.backward(retain_graph=True)
        first = y.grad.clone()
        loss.backward()
        w.retain_grad()  # a leaf keeps its gradient anyway: nothing changes
        z = w * 3
        z.retain_grad()
        lib.autograd.grad(z.sum(), w)  # autograd.grad fills a retained .grad too
        return [first, y.grad, y.retains_grad, w.retains_grad, (w * 1).retains_grad, z.grad,
                outcome(lambda: lib.tensor([1.0]).retain_grad())]

    assert same_in_both(scenario) == [
        ["float32", [4.0, 8.0]], ["float32", [8.0, 16.0]], True, False, False, ["float32", [1.0, 1.0]],
        "RuntimeError"]


def test_tensor_hooks_see_and_replace_the_summed_gradient():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = w * 3
        seen = []
        handle = y.register_hook(lambda grad: seen.append(grad.clone()) or grad * 10)
        y.register_hook(lambda grad: grad + 1)  # hooks run in the order they were registered
        y.retain_grad()  # a retained gradient is the one after every hook, whenever retain_grad was called
        (y * 2 + y).sum().backward()  # y is used twice: the hook sees the sum, once
        after_hooks = [seen, y.grad, w.grad]
        handle.remove()
        w.grad = None
        y2 = w * 3
        leaf_calls = []
        w.register_hook(lambda grad: leaf_calls.append(grad.clone()) or grad + 100)
        (y2 * 1 + w).sum().backward()
        return after_hooks + [w.grad, leaf_calls, lib.autograd.grad((w * 2).sum(), w),
                              outcome(lambda: lib.tensor([1.0]).register_hook(lambda grad: grad))]

    assert same_in_both(scenario) == [
        [["float32", [3.0, 3.0]]], ["float32", [31.0, 31.0]], ["float32", [93.0, 93.0]],
        ["float32", [104.0, 104.0]], [["float32", [4.0, 4.0]], ["float32", [2.0, 2.0]]],  # autograd.grad runs it too
        [["float32", [102.0, 102.0]]], "RuntimeError"]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")  # PyTorch's advice on reference cycles
def test_hooks_on_views_on_grad_wrt_a_result_and_with_create_graph():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        first = w[0]
        first.register_hook(lambda grad: grad * 7)
        (first * 1).backward()
        through_the_view = w.grad.clone()
        y = w * 3
        y.register_hook(lambda grad: grad * 2)
        wrt_y = lib.autograd.grad((y * y).sum(), y)  # the hook applies to what autograd.grad returns
        h = w * w
        h.retain_grad()
        (h * h).sum().backward(create_graph=True)
        return [through_the_view, wrt_y, h.grad, h.grad.grad_fn is not None]

    assert same_in_both(scenario) == [
        ["float32", [7.0, 0.0]], [["float32", [12.0, 24.0]]], ["float32", [2.0, 8.0]], True]


def test_after_an_in_place_change_hooks_stay_with_the_old_value_and_retain_grad_follows_the_tensor():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = w * 2
        y.retain_grad()
        seen = []
        y.register_hook(lambda grad: seen.append(grad.clone()))
        y.mul_(3)
        (y * y).sum().backward()
        return [y.grad, seen, w.grad, y.retains_grad]

    assert same_in_both(scenario) == [
        ["float32", [12.0, 24.0]], [["float32", [36.0, 72.0]]], ["float32", [72.0, 144.0]], True]


def test_a_hook_that_changes_the_gradients_shape_type_or_kind_is_refused():
    def scenario(lib):
        def with_hook(hook):
            w = lib.tensor([1.0, 2.0], requires_grad=True)
            y = w * 3
            y.register_hook(hook)
            return outcome(lambda: y.sum().backward())

        return [with_hook(lambda grad: grad.sum()), with_hook(lambda grad: grad.double()),
                with_hook(lambda grad: 5.0), with_hook(lambda grad: None)]

    assert same_in_both(scenario) == ["RuntimeError", "RuntimeError", "TypeError", None]


# ---- functions with a backward of your own --------------------------------------------------
def custom_functions(lib):
    """The autograd tutorial's ReLU, a cube, and a few that probe the rules, in ``lib``.

    (The tutorial's Legendre polynomial runs in tests/programs/examples_polynomial.py.)
    """

    class Cube(lib.autograd.Function):  # keeps its input and its output
        @staticmethod
        def forward(ctx, x):
            y = x * x * x
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * 3 * x * x + 0 * y  # the output, though not needed, unpacks (and is checked) too

    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    class Scale(lib.autograd.Function):  # a number among the arguments, and a look at needs_input_grad
        @staticmethod
        def forward(ctx, x, factor, y):
            ctx.factor = factor
            return x * factor + y

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None, grad if ctx.needs_input_grad[2] else None

    class WithContext(lib.autograd.Function):  # forward without ctx, and setup_context
        @staticmethod
        def forward(x, power):
            return x ** power

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])
            ctx.power = inputs[1]

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * ctx.power * x ** (ctx.power - 1), None

    def returning(gradient):
        class Returns(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, factor):
                return x * factor

            @staticmethod
            def backward(ctx, grad):
                return gradient(grad)

        return Returns

    return Cube, MyReLU, Scale, WithContext, returning


def test_a_cube_and_the_autograd_tutorials_relu():
    def scenario(lib):
        cube, relu, *_ = custom_functions(lib)
        x = lib.linspace(-1, 1, 5, requires_grad=True)
        y = cube.apply(x)
        y.sum().backward()
        from_cube = x.grad.clone()
        x.grad = None
        relu.apply(x).sum().backward()
        return [y, from_cube, x.grad, y.grad_fn.name()]

    assert same_in_both(scenario) == [
        ["float32", [-1.0, -0.125, 0.0, 0.125, 1.0]], ["float32", [3.0, 0.75, 0.0, 0.75, 3.0]],
        ["float32", [0.0, 0.0, 1.0, 1.0, 1.0]], "CubeBackward"]


def test_a_custom_function_with_numbers_needs_input_grad_setup_context_and_a_second_derivative():
    def scenario(lib):
        cube, _, scale, with_context, _ = custom_functions(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([0.5, 0.5])
        scale.apply(x, 3.0, y).sum().backward()
        scaled = x.grad.clone()
        x.grad = None
        with_context.apply(x, 3).sum().backward()
        (first,) = lib.autograd.grad(cube.apply(x).sum(), x, create_graph=True)  # its backward is recorded
        (second,) = lib.autograd.grad(first.sum(), x)
        with lib.no_grad():
            unrecorded = cube.apply(x)
        return [scaled, x.grad, first, second, unrecorded.requires_grad, unrecorded.grad_fn]

    assert same_in_both(scenario) == [
        ["float32", [3.0, 3.0]], ["float32", [3.0, 12.0]], ["float32", [3.0, 12.0]], ["float32", [6.0, 12.0]],
        False, None]


def test_what_a_custom_function_may_not_do():
    def scenario(lib):
        cube, *_, returning = custom_functions(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)

        def backward_of(gradient):
            return outcome(lambda: returning(gradient).apply(x, 2.0).sum().backward())

        def saved_then_changed():
            h = x * 1
            y = cube.apply(h)
            h.add_(1)
            y.sum().backward()

        def backward_twice():
            y = cube.apply(x).sum()
            y.backward()
            y.backward()

        return [backward_of(lambda grad: grad),  # one gradient for two arguments
                backward_of(lambda grad: (grad.sum(), None)),  # a shape that does not fit x
                backward_of(lambda grad: (grad, grad)),  # a gradient for the number
                backward_of(lambda grad: (grad.expand(3, 2), None)),  # a larger one is summed down: fine
                outcome(saved_then_changed), outcome(backward_twice)]

    assert same_in_both(scenario) == ["RuntimeError", "RuntimeError", "RuntimeError", None, "RuntimeError",
                                      "RuntimeError"]


# ---- in-place changes ---------------------------------------------------------------------
IN_PLACE = {
    "-=": lambda lib, w: w.__isub__(lib.tensor([1.0, 1.0])),
    "+=": lambda lib, w: w.__iadd__(2),
    "*=": lambda lib, w: w.__imul__(3.0),
    "zero_": lambda lib, w: w.zero_(),
    "copy_": lambda lib, w: w.copy_(lib.tensor([7.0, 8.0])),
    "fill_": lambda lib, w: w.fill_(5),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_ops_need_no_grad_or_data_on_a_leaf_that_requires_grad(name):
    change = IN_PLACE[name]

    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        refused = outcome(lambda: change(lib, w))
        with lib.no_grad():
            change(lib, w)
        under_no_grad = plain(w.detach())
        change(lib, w.data)
        return refused, under_no_grad, plain(w.detach()), w.requires_grad, w.is_leaf

    assert same_in_both(scenario)[0] == "RuntimeError"


def test_in_place_on_a_tensor_without_grad():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0])
        x += 1
        x *= lib.tensor([2.0, 3.0])
        x -= 0.5
        x /= 2
        counts = lib.tensor([1, 2])
        return plain(x), outcome(lambda: counts.__iadd__(0.5)), plain(counts)

    same_in_both(scenario)


def test_manual_gradient_descent_step_matches_pytorch():
    """The lesson's training loop: the gradient step written by hand on ``.data``."""
    rng = np.random.default_rng(0)
    inputs, targets = rng.standard_normal((20, 3)), rng.standard_normal((20, 1))
    initial_weights = rng.standard_normal((3, 1))

    def scenario(lib):
        x, y = lib.tensor(inputs, dtype=lib.float32), lib.tensor(targets, dtype=lib.float32)
        w = lib.tensor(initial_weights, dtype=lib.float32, requires_grad=True)
        b = lib.zeros(1, requires_grad=True)
        lr = 0.1
        for _ in range(10):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            w.data -= lr * w.grad
            w.grad.zero_()
            with lib.no_grad():
                b -= lr * b.grad
            b.grad.zero_()
        return w.detach().numpy(), b.detach().numpy(), w.grad.numpy()

    for ours, theirs in zip(scenario(gradstep), scenario(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


# ---- depth -----------------------------------------------------------------------------------
def test_backward_through_a_chain_100_000_ops_deep():
    x = gradstep.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = -y
    recursion_limit = sys.getrecursionlimit()
    y.backward()
    assert x.grad.item() == 1.0  # an even number of sign changes
    assert sys.getrecursionlimit() == recursion_limit
    del y  # freeing a graph this deep must not overflow the stack either
