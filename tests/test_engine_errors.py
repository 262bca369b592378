"""Mistakes get a clear error naming what was wrong, never a NumPy traceback from deep inside."""
import pytest

import gradstep


def test_matmul_of_mismatched_shapes_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 4\)"):
        gradstep.ones(2, 3) @ gradstep.ones(2, 4)
    with pytest.raises(RuntimeError, match=r"\(5, 3\).*\(4,\)"):
        gradstep.matmul(gradstep.ones(5, 3), gradstep.ones(4))


@pytest.mark.parametrize("other", ["a", [1.0, 2.0], None, {"a": 1}], ids=["str", "list", "None", "dict"])
@pytest.mark.parametrize(
    "op",
    [
        lambda x, o: x + o,
        lambda x, o: o - x,
        lambda x, o: x / o,
        lambda x, o: x**o,
        lambda x, o: x @ o,
        lambda x, o: gradstep.add(x, o),
        lambda x, o: gradstep.maximum(x, o),
        lambda x, o: gradstep.where(x > 0, x, o),
        lambda x, o: x.__iadd__(o),
    ],
    ids=["+", "r-", "/", "**", "@", "add", "maximum", "where", "+="],
)
def test_op_with_an_unsupported_type_raises_type_error_naming_it(op, other):
    with pytest.raises(TypeError, match=type(other).__name__):
        op(gradstep.ones(2), other)


@pytest.mark.parametrize("index", [1.0, (0, 1.5), [0.5]], ids=["float", "float in tuple", "float list"])
def test_float_index_raises_index_error_saying_so(index):
    with pytest.raises(IndexError, match="float"):
        gradstep.ones(3, 3)[index]


def test_out_of_range_index_names_the_shape():
    with pytest.raises(IndexError, match=r"\(3, 3\)"):
        gradstep.ones(3, 3)[5]


def test_reshape_to_a_wrong_size_names_shape_and_size():
    with pytest.raises(RuntimeError, match=r"\[4, 2\].*size 6"):
        gradstep.ones(2, 3).reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"\[-1, 4\].*size 6"):
        gradstep.ones(2, 3).view(-1, 4)


def test_shapes_that_do_not_broadcast_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4,\)"):
        gradstep.ones(2, 3) + gradstep.ones(4)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4,\)"):
        gradstep.ones(2, 3, requires_grad=True) * gradstep.ones(4)
