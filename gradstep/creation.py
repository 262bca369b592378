"""Making tensors: from data (``tensor``, ``from_numpy``), filled (``zeros``, ``full``,
``arange``) or random (``rand``, ``randn``, ``randint``, ``randperm``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor, device
from .ops.shape import _shape_argument
from .random import Generator, numpy_rng


def as_array(data: Any, dtype: _dtype.dtype | None = None) -> np.ndarray:
    """A NumPy array of a supported dtype, inferring it as PyTorch does.

    Python floats become float32, Python ints int64, bools bool; a NumPy array or NumPy
    scalar (such as ``array.mean()``) keeps its dtype.
    """
    if isinstance(data, Tensor):
        array = data._array
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        try:
            array = np.array(data)
        except ValueError as error:
            raise ValueError(f"can't make a tensor from this data: {error}") from None
        if array.dtype.kind == "f" and dtype is None:
            dtype = _dtype.default_float
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"can't make a tensor from {type(data).__name__} holding {array.dtype}: "
                "expected numbers, bools or (nested) lists of them"
            )
    if dtype is None:
        dtype = _dtype.from_numpy_dtype(array.dtype)
    return array.astype(dtype.numpy, copy=False)


def legacy_array(args: tuple, dtype: _dtype.dtype) -> np.ndarray:
    """What ``torch.Tensor(...)`` and ``torch.FloatTensor(...)`` make of their arguments.

    Sizes (``Tensor(2, 3)`` or ``Tensor(Size([2, 3]))``) give a tensor of that shape, which
    PyTorch leaves uninitialised and gradstep fills with zeros; data gives a copy of it.

    >>> legacy_array((2, 3), _dtype.float32).shape
    (2, 3)
    >>> legacy_array(([1, 2],), _dtype.float32)
    array([1., 2.], dtype=float32)
    """
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if not args:
        return np.zeros(0, dtype=dtype.numpy)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return _filled(args, 0, dtype, False)._array
    if len(args) == 1:
        return np.array(as_array(args[0], dtype))
    raise TypeError(
        f"expected sizes (e.g. Tensor(2, 3)) or one piece of data (e.g. Tensor([1, 2])), got {len(args)} arguments "
        f"of types {', '.join(type(a).__name__ for a in args)}"
    )


def _size_from(sizes: tuple, size: Any) -> tuple:
    """``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros(size=(2, 3))`` alike."""
    if size is not None:
        if sizes:
            raise TypeError(f"give the size once, as arguments {sizes} or as size={size}, not both")
        return (size,)
    return sizes


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    tensor = Tensor._wrap(array)
    if requires_grad:
        tensor.requires_grad = True  # checks the dtype is floating point
    return tensor


def _check_device(device_name: Any) -> None:
    if device_name is not None:
        device(device_name)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    >>> tensor([[1, 2], [3, 4]]).dtype
    gradstep.int64
    >>> tensor([1.5, 2.0], requires_grad=True)
    tensor([1.5000, 2.0000], requires_grad=True)
    """
    _check_device(device)
    return _finish(np.array(as_array(data, _dtype.to_dtype(dtype))), requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor``, but shares memory with a tensor or array when no conversion is needed."""
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or _dtype.to_dtype(dtype).numpy == data._array.dtype):
        return data
    return Tensor._wrap(as_array(data, _dtype.to_dtype(dtype)))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``: a change to one shows in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy() expects a numpy.ndarray, got {type(array).__name__}")
    if np.dtype(array.dtype) not in _dtype._BY_NUMPY:
        raise TypeError(
            f"from_numpy(): can't share memory with an array of dtype {array.dtype}; gradstep supports "
            + ", ".join(d.name for d in _dtype.ALL) + " (convert with array.astype(...) first)"
        )
    return Tensor._wrap(array)


def _filled(size: Any, value: Any, dtype: Any, requires_grad: bool) -> Tensor:
    shape = _shape_argument(size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    target = _dtype.to_dtype(dtype) or _dtype.default_float
    return _finish(np.full(shape, value, dtype=target.numpy), requires_grad)


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _filled(_size_from(sizes, size), 0, dtype, requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _filled(_size_from(sizes, size), 1, dtype, requires_grad)


empty = zeros


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value when not given."""
    _check_device(device)
    return _filled((size,), fill_value, dtype or _dtype.scalar_dtype(fill_value), requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    _check_device(device)
    return _filled((input.shape,), 0, dtype or input.dtype, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    _check_device(device)
    return _filled((input.shape,), 1, dtype or input.dtype, requires_grad)


empty_like = zeros_like


def full_like(
    input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False, memory_format: Any = None
) -> Tensor:
    _check_device(device)
    return _filled((input.shape,), fill_value, dtype or input.dtype, requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``arange(5)`` → 0..4; int64 when all arguments are ints, float32 otherwise."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtype.int64 if all_ints else _dtype.default_float
    return _finish(np.arange(start, end, step).astype(_dtype.to_dtype(dtype).numpy), requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    target = _dtype.to_dtype(dtype) or _dtype.default_float
    return _finish(np.linspace(start, end, steps).astype(target.numpy), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    target = _dtype.to_dtype(dtype) or _dtype.default_float
    return _finish(np.eye(n, m, dtype=target.numpy), requires_grad)


def _float_dtype(dtype: Any, function: str) -> _dtype.dtype:
    target = _dtype.to_dtype(dtype) or _dtype.default_float
    if not target.is_floating_point:
        raise TypeError(f"{function}(): dtype must be floating point, got {target}")
    return target


def _random_floats(draw: Any, shape: tuple[int, ...], target: _dtype.dtype) -> np.ndarray:
    # NumPy draws float32 or float64 directly; float16 is drawn as float32 and rounded.
    if target.numpy in (np.float32, np.float64):
        return draw(shape, dtype=target.numpy)
    return draw(shape, dtype=np.float32).astype(target.numpy)


def rand(
    *sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform random numbers in [0, 1)."""
    _check_device(device)
    target = _float_dtype(dtype, "rand")
    shape = _shape_argument(_size_from(sizes, size))
    return _finish(_random_floats(numpy_rng(generator).random, shape, target), requires_grad)


def randn(
    *sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal random numbers (mean 0, standard deviation 1)."""
    _check_device(device)
    target = _float_dtype(dtype, "randn")
    shape = _shape_argument(_size_from(sizes, size))
    return _finish(_random_floats(numpy_rng(generator).standard_normal, shape, target), requires_grad)


def rand_like(
    input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def normal(
    mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None, dtype: Any = None,
    device: Any = None, requires_grad: bool = False,
) -> Tensor:
    """Normal random numbers: ``normal(0, 0.01, size=(2, 1))``, or one per element of tensor ``mean``/``std``.

    >>> normal(0, 1, (3, 2)).shape
    gradstep.Size([3, 2])
    >>> normal(tensor([0.0, 10.0]), 0.5).shape
    gradstep.Size([2])
    """
    _check_device(device)
    tensors = [value for value in (mean, std) if isinstance(value, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal(): size= goes with a number mean and std; with a tensor, its shape is the size")
        shape = np.broadcast_shapes(*(t._array.shape for t in tensors))
        target = _float_dtype(dtype or _dtype.result_type(*tensors), "normal")
    else:
        if size is None:
            raise TypeError("normal(): with a number mean and std, give the size too, e.g. normal(0, 1, size=(2, 3))")
        shape = _shape_argument((size,))
        target = _float_dtype(dtype, "normal")
    mean_array, std_array = (np.asarray(v._array if isinstance(v, Tensor) else v) for v in (mean, std))
    if np.any(std_array < 0):
        raise RuntimeError(f"normal(): expected all elements of std >= 0.0, got {std_array.min()}")
    noise = _random_floats(numpy_rng(generator).standard_normal, shape, target)
    return _finish((mean_array + std_array * noise).astype(target.numpy), requires_grad)


def randint(
    low: int = 0,
    high: Any = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Random integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    >>> randint(low=0, high=3, size=(500, 1)).shape
    gradstep.Size([500, 1])
    """
    _check_device(device)
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if size is None:
        raise TypeError("randint() needs high and size, e.g. randint(0, 10, (3,)) or randint(10, (3,))")
    if high <= low:
        raise RuntimeError(f"randint(): expected low < high, got low={low}, high={high}")
    target = _dtype.to_dtype(dtype) or _dtype.int64
    values = numpy_rng(generator).integers(low, high, _shape_argument((size,)))
    return _finish(values.astype(target.numpy), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0 .. n-1."""
    _check_device(device)
    target = _dtype.to_dtype(dtype) or _dtype.int64
    return Tensor._wrap(numpy_rng(generator).permutation(n).astype(target.numpy))
