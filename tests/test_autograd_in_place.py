"""In-place ops, views and version counters, played out in gradstep and in PyTorch.

Every scenario runs on both libraries and must give the same values, the same gradients,
or the same kind of error: a learner must never get a silently wrong gradient.
"""
import numpy as np
import pytest
import torch

import gradstep


def observe(action):
    """``action()``'s result as plain data, or ``(error type, message)`` if it raises."""
    try:
        return plain(action())
    except Exception as error:  # noqa: BLE001 - the error is the observation
        return type(error).__name__, str(error)


def plain(value):
    if isinstance(value, (gradstep.Tensor, torch.Tensor)):
        return np.round(np.asarray(value.detach().tolist(), dtype=float), 6).tolist()
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def same_in_both(scenario, *key_words):
    """Run ``scenario(lib)`` on both libraries; equal results, or errors of one type whose
    messages both contain ``key_words``."""
    ours, theirs = observe(lambda: scenario(gradstep)), observe(lambda: scenario(torch))
    if isinstance(theirs, tuple) and len(theirs) == 2 and isinstance(theirs[0], str):
        assert isinstance(ours, tuple) and ours[0] == theirs[0], f"PyTorch raised {theirs}, gradstep gave {ours}"
        for word in key_words:
            assert word in ours[1] and word in theirs[1], (word, ours[1], theirs[1])
    else:
        assert ours == theirs
    return ours


# ---- the cases that used to give silently wrong gradients -----------------------------------
def test_a_consumer_keeps_the_history_it_was_built_from():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        a = w * 2
        b = a * 5
        a.mul_(3)
        b.sum().backward()
        return w.grad

    assert same_in_both(scenario) == [10.0, 10.0]


def test_dividing_a_hidden_layer_in_place_after_relu_read_it():
    def scenario(lib):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2).double()
        lin.load_state_dict({"weight": lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=lib.float64),
                             "bias": lib.tensor([0.1, -0.2], dtype=lib.float64)})
        x = lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=lib.float64)
        h = lin(x)
        out = h.relu()
        h.div_(2)
        out.sum().backward()
        return lin.weight.grad, lin.bias.grad, h

    same_in_both(scenario)


@pytest.mark.parametrize("change", ["mul_", "normalise input", "detach", "no_grad", "setitem", "view"])
def test_changing_a_saved_tensor_in_place_is_refused_at_backward(change):
    def scenario(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        m = lib.ones(3)
        y = (w * m).sum()
        if change == "mul_":
            m.mul_(5)
        elif change == "normalise input":
            m -= m.mean()
        elif change == "detach":
            m.detach().mul_(10)
        elif change == "no_grad":
            with lib.no_grad():
                m.mul_(10)
        elif change == "setitem":
            m[0] = 7
        else:
            m.view(3, 1)[1, 0] = 2
        y.backward()
        return w.grad

    same_in_both(scenario, "modified by an inplace operation", "is at version", "expected version 0")


def test_a_batch_normalised_in_place_after_the_forward_pass_is_refused():
    def scenario(lib):
        lib.manual_seed(0)
        model = lib.nn.Linear(4, 2)
        x = lib.ones(3, 4) * 2
        loss = model(x).sum()
        x.sub_(x.mean()).div_(2)
        loss.backward()

    same_in_both(scenario, "modified by an inplace operation")


@pytest.mark.parametrize("pooling", ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"])
def test_changing_a_pooled_input_in_place_is_refused(pooling):
    def scenario(lib):
        x = lib.ones(1, 1, 4, 4, requires_grad=True)
        h = x * 2
        y = getattr(lib.nn.functional, pooling)(h, 2)
        h.add_(1)
        y.sum().backward()
        return x.grad

    same_in_both(scenario, "modified by an inplace operation")


def test_changing_an_output_that_an_op_saved_is_refused():
    def scenario(lib):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        y = (w * 1).exp()
        z = y * 1
        y.add_(1)
        z.sum().backward()  # exp's backward needs its own output, now changed
        return w.grad

    same_in_both(scenario, "modified by an inplace operation", "which is output 0 of")


def test_data_changes_are_not_counted():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        m = lib.tensor([3.0, 4.0])
        y = (w * m).sum()
        m.data.mul_(2)  # .data has its own version counter: PyTorch reads the new values
        y.backward()
        return w.grad, m._version

    assert same_in_both(scenario) == [[6.0, 8.0], 0]


# ---- the in-place rules ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "update, key_words",
    [
        (lambda lib, w: w.add_(1), ("a leaf Variable that requires grad",)),
        (lambda lib, w: w[0].mul_(2), ("a view of a leaf Variable that requires grad",)),
        (lambda lib, w: w.__setitem__(0, 5.0), ("a view of a leaf Variable",)),
        (lambda lib, w: w.__setitem__(w > 1, 0.0), ("a leaf Variable that requires grad",)),
        (lambda lib, w: w.zero_(), ("a leaf Variable that requires grad",)),
    ],
    ids=["add_", "slice mul_", "setitem int", "setitem mask", "zero_"],
)
def test_a_leaf_that_requires_grad_cant_be_changed_in_place(update, key_words):
    def scenario(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        update(lib, w)
        return w

    same_in_both(scenario, *key_words)


def test_a_leaf_can_be_changed_under_no_grad_and_that_counts():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with lib.no_grad():
            w.add_(1)
            w[0] = 10
        return w, w._version, w.requires_grad, w.is_leaf

    assert same_in_both(scenario) == [[10.0, 3.0, 4.0], 2, True, True]


@pytest.mark.parametrize(
    "shapes, key_words",
    [(((3,), (2, 3)), ("doesn't match the broadcast shape", "[2, 3]")), (((2,), (2, 3)), ())],
    ids=["grows", "doesn't broadcast"],
)
def test_broadcasting_must_not_grow_the_destination(shapes, key_words):
    def scenario(lib):
        b = lib.zeros(*shapes[0])
        b += lib.ones(*shapes[1])
        return b

    same_in_both(scenario, *key_words)


@pytest.mark.parametrize("grad_mode", [False, True])
def test_in_place_results_are_cast_to_the_destination_dtype(grad_mode):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float32)
        y = lib.tensor([0.1, 0.2], dtype=lib.float64, requires_grad=grad_mode)
        x += y
        return repr(x.dtype).split(".")[-1], x

    assert same_in_both(scenario)[0] == "float32"


@pytest.mark.parametrize("other", [2.5, "float tensor"], ids=["number", "tensor"])
def test_a_float_result_cant_go_into_an_integer_tensor(other):
    def scenario(lib):
        x = lib.tensor([1, 2])
        x += other if other == 2.5 else lib.tensor([0.5, 0.5])
        return x

    same_in_both(scenario, "can't be cast to the desired output type Long")


def test_int_results_stay_int():
    def scenario(lib):
        x = lib.tensor([1, 2])
        x *= 3
        x -= lib.tensor([1, 1])
        return repr(x.dtype).split(".")[-1], x

    assert same_in_both(scenario) == ["int64", [2.0, 5.0]]


def test_setting_data_to_an_integer_tensor_is_refused_for_a_tensor_that_requires_grad():
    def scenario(lib):
        w = lib.zeros(3, requires_grad=True)
        w.data = lib.tensor([1, 2, 3])

    same_in_both(scenario, "must be floating point")


def test_a_view_made_under_no_grad_cant_be_changed_in_place_with_grad_on():
    def scenario(lib):
        w = lib.ones(2, requires_grad=True)
        a = w * 2
        with lib.no_grad():
            v = a[0]
        v.mul_(2)

    same_in_both(scenario, "A view was created in no_grad mode")


def test_writing_into_an_expanded_tensor_is_refused():
    def scenario(lib):
        x = lib.ones(1, 3).expand(2, 3)
        x.add_(1)

    same_in_both(scenario, "more than one element of the written-to tensor refers to a single memory location")


# ---- views share memory and version ----------------------------------------------------------
VIEWS = {
    "slice": lambda x: x[1:],
    "int index": lambda x: x[0],
    "view": lambda x: x.view(3, 2),
    "reshape": lambda x: x.reshape(6),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.unsqueeze(1).squeeze(1),
    "flatten": lambda x: x.flatten(),
    "select": lambda x: x.select(1, 2),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "split": lambda x: x.split(2, dim=1)[1],
    "chunk": lambda x: x.chunk(2, dim=0)[1],
    "unbind": lambda x: x.unbind(1)[0],
    "detach": lambda x: x.detach(),
    "movedim": lambda x: x.movedim(0, 1),
}


@pytest.mark.parametrize("make_view", VIEWS.values(), ids=VIEWS.keys())
def test_views_share_memory_and_version(make_view):
    def scenario(lib):
        x = lib.arange(6.0).reshape(2, 3)
        v = make_view(x)
        v.mul_(10)  # writes through the view
        x.add_(1)  # and the view sees changes to the base
        return x, v, x._version, v._version

    same_in_both(scenario)


def test_expand_is_a_view_of_its_input():
    def scenario(lib):
        x = lib.tensor([[1.0], [2.0]])
        e = x.expand(2, 3)
        x.mul_(3)
        return e, e._version

    same_in_both(scenario)


def test_view_refuses_what_needs_a_copy():
    def scenario(lib):
        return lib.arange(6.0).reshape(2, 3).t().view(6)

    same_in_both(scenario, "view size is not compatible with input tensor's size and stride")


# ---- writes through views and indices are differentiable ------------------------------------
SETITEMS = {
    "x[mask] = 0": lambda lib, x, y: x.__setitem__(x > 0.5, 0.0),
    "x[:, 0] = y": lambda lib, x, y: x.__setitem__((slice(None), 0), y[:, 1] * 3),
    "x[idx] += 1": lambda lib, x, y: x.__setitem__(lib.tensor([0, 2]), x[lib.tensor([0, 2])] + 1),
    "x[idx] = y": lambda lib, x, y: x.__setitem__(lib.tensor([2, 0]), y[:2] ** 2),
    "x[1] *= y[0]": lambda lib, x, y: x[1].mul_(y[0]),
    "x[0, 1:] += y": lambda lib, x, y: x[0, 1:].add_(y[1, 1:]),
    "view of view": lambda lib, x, y: x.t()[1].copy_(y[2]),
    "x.view(-1)[2] = y": lambda lib, x, y: x.view(-1).__setitem__(2, y.sum()),
    "x[mask] = y[mask]": lambda lib, x, y: x.__setitem__(y > 0.1, y[y > 0.1] * 2),
}


@pytest.mark.parametrize("write", SETITEMS.values(), ids=SETITEMS.keys())
def test_writing_into_part_of_a_graph_tensor_gives_pytorchs_gradients(write):
    def scenario(lib):
        w = lib.tensor([[0.2, 0.9, -0.4], [1.5, -0.3, 0.7], [0.1, 0.6, -1.2]], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([[1.0, -2.0, 0.5], [0.3, 0.8, -0.1], [2.0, 0.4, 1.1]], dtype=lib.float64, requires_grad=True)
        x = w * 1.5  # a non-leaf: writing into it is recorded
        alias = x[1:]  # a second view of the same memory sees the write, and its history follows
        write(lib, x, y)
        loss = (x * x).sum() + (alias ** 3).sum()
        loss.backward()
        return x, alias, w.grad, y.grad, x.grad_fn is not None

    same_in_both(scenario)


def test_a_tensor_that_doesnt_require_grad_joins_the_graph_through_an_in_place_op():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = lib.zeros(2, 3)
        x[:, 1] = w * 2
        x.add_(w.unsqueeze(1))
        (x ** 2).sum().backward()
        return x, x.requires_grad, x.is_leaf, w.grad

    same_in_both(scenario)


def test_copy_and_fill_give_no_gradient_to_what_they_overwrite():
    def scenario(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        s = lib.tensor(4.0, requires_grad=True)
        x = w * 2
        x[:2].fill_(s)
        x.copy_(x * 3)
        x.sum().backward()
        return x, w.grad, s.grad

    same_in_both(scenario)


def test_in_place_activations_record_like_their_out_of_place_twins():
    def scenario(lib):
        w = lib.tensor([-1.0, 0.5, 2.0], dtype=lib.float64, requires_grad=True)
        x = w * 1
        x.relu_().mul_(3).sigmoid_().exp_().clamp_(max=2.0)
        x.sum().backward()
        return x, w.grad

    same_in_both(scenario)


def test_grad_fn_names_and_edges():
    def scenario(lib):
        w = lib.tensor([[1.0, 2.0]], requires_grad=True)
        b = lib.tensor([0.5], requires_grad=True)
        out = lib.nn.functional.linear(w * 2, lib.ones(1, 2), b)
        loss = lib.nn.functional.nll_loss(out.log_softmax(1), lib.tensor([0]))
        log_softmax_node = loss.grad_fn.next_functions[0][0]
        linear_node = log_softmax_node.next_functions[0][0]
        return loss.grad_fn.name(), log_softmax_node.name(), linear_node.name(), len(linear_node.next_functions)

    assert same_in_both(scenario) == ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0", 3]


def test_a_view_made_to_require_grad_is_a_leaf_that_cant_be_changed_in_place():
    def scenario(lib):
        x = lib.zeros(2, 3, dtype=lib.float64)
        v = x.reshape(6)
        v.requires_grad_()
        v.add_(v)

    same_in_both(scenario, "a view of a leaf Variable that requires grad")
