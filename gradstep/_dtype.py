"""The dtypes a gradstep tensor can hold, and PyTorch's rules for mixing them.

A ``dtype`` is a thin name around a NumPy dtype, so that ``gradstep.float32`` prints and
compares like ``torch.float32`` while the arithmetic stays NumPy's.
"""
from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type, e.g. ``gradstep.float32``.

    >>> import gradstep
    >>> gradstep.float32.is_floating_point, gradstep.int8.itemsize
    (True, 1)
    """

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name: str, numpy_dtype: type) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "if"
        self.itemsize = self.numpy.itemsize

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"gradstep.{self.name}"

    def __reduce__(self) -> tuple:
        return to_dtype, (self.name,)  # unpickles to the one shared instance, so `is` still works


bool_ = dtype("bool", np.bool_)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
# PyTorch's other names for the same types: torch.half is torch.float16, torch.int is torch.int32.
_ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16, "int": int32, "long": int64}

default_float = float32


def from_numpy_dtype(np_dtype: np.dtype, *, source: str = "array") -> dtype:
    """The gradstep dtype for a NumPy dtype; unsigned integers wider than 8 bits become int64."""
    found = _BY_NUMPY.get(np_dtype)  # a tensor's own dtype: found without converting it first
    if found is None:
        found = _BY_NUMPY.get(np.dtype(np_dtype))
    if found is not None:
        return found
    kind = np.dtype(np_dtype).kind
    if kind in "iu":
        return int64
    if kind == "f":
        return float64  # float128 and friends: the widest float gradstep has
    raise TypeError(
        f"can't make a tensor from {source} of dtype {np.dtype(np_dtype)}: gradstep supports "
        + ", ".join(d.name for d in ALL)
    )


def to_dtype(value: dtype | str | type | np.dtype | None) -> dtype | None:
    """Accept ``gradstep.float32``, ``"float32"``, ``np.float32`` or ``torch.float32`` alike."""
    if value is None or isinstance(value, dtype):
        return value
    if isinstance(value, str):
        name = value.removeprefix("torch.").removeprefix("gradstep.")
        found = _BY_NAME.get(name) or _ALIASES.get(name)
        if found is None:
            raise TypeError(f"unknown dtype {value!r}")
        return found
    python_types = {float: float32, int: int64, bool: bool_}
    if value in python_types:
        return python_types[value]
    text = str(value)
    if text.startswith("torch."):
        return to_dtype(text)
    return from_numpy_dtype(np.dtype(value), source="a dtype argument")


def _category(d: dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    return 2 if d.is_floating_point else (0 if d is bool_ else 1)


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``).

    A higher category wins outright (int64 with float16 gives float16); within one
    category the wider type wins, and uint8 with int8 meet at int16, which holds both.

    >>> promote_types(uint8, int8)
    gradstep.int16
    """
    if a is b:
        return a
    if _category(a) != _category(b):
        return a if _category(a) > _category(b) else b
    if a.is_signed != b.is_signed:  # uint8 and a signed integer
        signed = a if a.is_signed else b
        return signed if signed.itemsize > 1 else int16
    return a if a.itemsize >= b.itemsize else b


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # PyTorch's combine_categories: an operand of lower priority only matters when it is
    # of a higher category (bool < integer < float), e.g. int64 tensor * 2.5 -> float32.
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or _category(lower) > _category(higher):
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value: object) -> dtype:
    """The dtype a Python number takes part in promotion as."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return default_float


def result_type(*operands: object) -> dtype:
    """The dtype of ``a op b`` under PyTorch's promotion rules.

    Tensors with dimensions decide first, then 0-d tensors, then Python scalars; a lower
    tier only changes the result when it is of a higher category.

    >>> import gradstep
    >>> result_type(gradstep.ones(2), 3)
    gradstep.float32
    """
    tiers: list[dtype | None] = [None, None, None]  # dimensioned, 0-d, Python scalar
    for operand in operands:
        operand_dtype = getattr(operand, "dtype", None)
        if isinstance(operand_dtype, dtype):
            tier = 0 if operand.ndim > 0 else 1
        else:
            operand_dtype, tier = scalar_dtype(operand), 2
        current = tiers[tier]
        tiers[tier] = operand_dtype if current is None else promote_types(current, operand_dtype)
    return _combine(tiers[0], _combine(tiers[1], tiers[2]))


def can_cast(source: dtype, target: dtype) -> bool:
    """Whether an in-place op may write a ``source`` result into a ``target`` tensor.

    PyTorch's rule: never to a lower category (a float result into an integer tensor, a
    number into a bool tensor); within a category, any width goes.
    """
    return _category(source) <= _category(target)


_SCALAR_TYPE_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double",
}


def scalar_type_name(d: dtype) -> str:
    """PyTorch's name of a dtype in messages: ``Float`` for float32, ``Long`` for int64."""
    return _SCALAR_TYPE_NAMES[d.name]


def legacy_type_name(d: dtype) -> str:
    """The tensor type of a dtype from before dtypes existed: ``FloatTensor`` for float32."""
    return f"{scalar_type_name(d)}Tensor"
