"""PyTorch's tensor types from before dtypes: ``FloatTensor``, ``LongTensor``, ...

Older code and tutorials make tensors with them and test for them. Each is a type whose
instances are the tensors of its dtype:

>>> import gradstep
>>> gradstep.FloatTensor([1, 2])
tensor([1., 2.])
>>> gradstep.LongTensor(2, 3).shape
gradstep.Size([2, 3])
>>> isinstance(gradstep.zeros(2), gradstep.FloatTensor), isinstance(gradstep.zeros(2), gradstep.LongTensor)
(True, False)
"""
from __future__ import annotations

from typing import Any

from . import _dtype
from ._tensor import Tensor, device


class LegacyTensorType(type):
    """The type of ``FloatTensor`` & co: calling one makes a tensor of its dtype."""

    dtype: _dtype.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        from .creation import legacy_array

        if device is not None:
            _check_cpu(device)
        return Tensor._wrap(legacy_array(args, cls.dtype))

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype is cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'gradstep.{cls.__name__}'>"


def _check_cpu(name: Any) -> None:
    device(name)  # raises, naming the device, for anything but the CPU


def _legacy_type(dtype_name: str) -> LegacyTensorType:
    dtype = _dtype.to_dtype(dtype_name)
    return LegacyTensorType(_dtype.legacy_type_name(dtype), (), {"dtype": dtype, "__doc__": f"Tensors of dtype {dtype_name}."})


FloatTensor = _legacy_type("float32")
DoubleTensor = _legacy_type("float64")
HalfTensor = _legacy_type("float16")
LongTensor = _legacy_type("int64")
IntTensor = _legacy_type("int32")
ShortTensor = _legacy_type("int16")
CharTensor = _legacy_type("int8")
ByteTensor = _legacy_type("uint8")
BoolTensor = _legacy_type("bool")
