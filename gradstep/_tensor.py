"""``Tensor``: an n-dimensional array that remembers how it was made, so gradients can flow back.

A tensor wraps a NumPy array (``_array``). When it is the result of an op on tensors that
require grad, ``grad_fn`` is the ``Function`` that made it: the graph backward() walks.
Every method here is a thin call into ``gradstep.ops``, where the forward and backward of
each op live side by side.
"""
from __future__ import annotations

import copy
import warnings
from typing import Any, Iterator, Sequence

import numpy as np

from . import _dtype
from ._printing import tensor_repr
from ._signatures import accepts_numpy_names
from .autograd import engine, hooks
from .autograd.in_place import change_in_place
from .autograd.version import VersionCounter
from .autograd.views import refresh_history


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``gradstep.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"gradstep.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class device:
    """Where a tensor lives. gradstep's NumPy engine has one device: the CPU."""

    def __init__(self, type: str | "device" = "cpu", index: int | None = None) -> None:  # noqa: A002
        name = str(type).split(":")[0]
        if name != "cpu":
            raise RuntimeError(
                f"device {type!r} is not available: gradstep's NumPy engine runs on the CPU "
                "(train with --engine torch to use a GPU)"
            )
        self.type = "cpu"
        self.index = index

    def __eq__(self, other: object) -> bool:
        return str(other).split(":")[0] == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"


_float_of_grad_tensor_warned = False  # float(t) warns about a tensor that requires grad once a process, as PyTorch does


class Tensor:
    """A multi-dimensional array of one dtype, with reverse-mode autodiff.

    >>> import gradstep
    >>> w = gradstep.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> w.grad
    tensor([2., 4., 6.])
    """

    __slots__ = (
        "_array", "_requires_grad", "_grad", "_grad_fn", "_version_counter",
        "_base", "_view_chain", "_view_version", "_creation_meta", "_accumulator", "_hooks", "__weakref__",
    )

    # Stop NumPy from treating a Tensor as an array in `ndarray * tensor`: Tensor decides.
    __array_ufunc__ = None

    def __init__(self, *args: Any) -> None:
        # Like torch.Tensor(data) or torch.Tensor(2, 3): always the default float dtype.
        from .creation import legacy_array

        self._setup(legacy_array(args, _dtype.default_float))

    def _setup(self, array: np.ndarray, grad_fn: Any = None) -> None:
        self._array = array
        self._requires_grad = grad_fn is not None
        self._grad = None
        self._grad_fn = grad_fn
        self._version_counter = VersionCounter()
        self._base = None  # for a view: the tensor whose memory it shares (see autograd/views.py)
        self._view_chain = ()  # the view ops from the base to it
        self._view_version = 0
        self._creation_meta = None  # for a view made under no_grad or by split/chunk/unbind: see autograd/views.py
        self._accumulator = None  # a weak reference to this leaf's AccumulateGrad node
        self._hooks = None  # a leaf's gradient hooks (register_hook); a result's are on its grad_fn

    @classmethod
    def _wrap(cls, array: np.ndarray, grad_fn: Any = None) -> "Tensor":
        """A tensor around ``array`` (no copy); the result of ``grad_fn`` when given."""
        tensor = object.__new__(cls)
        tensor._setup(array if type(array) is np.ndarray else np.asarray(array), grad_fn)
        return tensor

    # ---- what a tensor is -------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    def size(self, dim: int | None = None) -> Size | int:
        return self.shape if dim is None else self._array.shape[dim]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self._array.dtype)

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def dim(self) -> int:
        return self._array.ndim

    def numel(self) -> int:
        return self._array.size

    @property
    def device(self) -> device:
        return device("cpu")

    @property
    def grad(self) -> "Tensor | None":
        """∂L/∂self after ``backward()``: filled for leaves that require grad, and for results that ``retain_grad()``."""
        if self._grad is None and self._grad_fn is not None and not hooks.retains_grad(self):
            warnings.warn(
                f"The .grad of a tensor that is not a leaf (it was computed, by {self._grad_fn.name()}) is being "
                "read: backward() fills .grad only for leaves, so it stays None. To keep this tensor's gradient, "
                "call .retain_grad() on it before backward(); or read the .grad of the leaf you meant.",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype {value.dtype} to a tensor of dtype {self.dtype}: "
                    "a gradient has the dtype of its tensor")
        self._grad = value

    @property
    def grad_fn(self) -> Any:
        """The node of the graph that made this tensor (``None`` for a leaf)."""
        if self._base is not None and self._view_version != self._version_counter.value:
            refresh_history(self)  # the shared memory changed in place since this view's history was made
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with its views)."""
        return self._version_counter.value

    def _is_view(self) -> bool:
        return self._base is not None

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    @property
    def requires_grad(self) -> bool:
        if self._base is not None:
            # A view requires grad when its base does, even one made under no_grad or before the
            # base required grad (as in PyTorch; such a view has no history, so no gradient reaches the base).
            return self._requires_grad or self._base._requires_grad
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None and not flag:  # a result always requires grad: asking again is fine
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; "
                "use .detach() to get a leaf from a result"
            )
        if flag and self._array.dtype.kind != "f":
            raise RuntimeError(
                f"Only Tensors of floating point dtype can require gradients, this one is {self.dtype}"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def data(self) -> "Tensor":
        """The same numbers, outside the graph: changing them in place is neither recorded
        nor counted (``.data`` has a version counter of its own, as in PyTorch)."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._requires_grad and not value.is_floating_point():
            raise RuntimeError(
                f"data set to a tensor that requires gradients must be floating point or complex dtype "
                f"(got {value.dtype})"
            )
        self._array = value._array

    def detach(self) -> "Tensor":
        """A tensor sharing this one's memory (and version counter) that does not require grad."""
        detached = Tensor._wrap(self._array)
        detached._version_counter = self._version_counter
        return detached

    def __deepcopy__(self, memo: dict) -> "Tensor":
        """``copy.deepcopy``: a leaf with its own copy of the data, and of ``.grad``, as in PyTorch.

        >>> import copy, gradstep
        >>> w = gradstep.ones(2, requires_grad=True)
        >>> twin = copy.deepcopy(w)
        >>> with gradstep.no_grad():
        ...     _ = twin.mul_(3)
        >>> w, twin
        (tensor([1., 1.], requires_grad=True), tensor([3., 3.], requires_grad=True))
        """
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
                "moment. Hint: deepcopy a tensor made with .detach() or .clone().detach()."
            )
        if id(self) in memo:
            return memo[id(self)]
        twin = Tensor._wrap(self._array.copy())
        twin._requires_grad = self._requires_grad
        memo[id(self)] = twin
        if self._grad is not None:
            twin._grad = copy.deepcopy(self._grad, memo)
        return twin

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph, in place: it becomes a leaf that doesn't require grad."""
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn, self._requires_grad = None, False
        return self

    def backward(
        self,
        gradient: "Tensor | None" = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: "Sequence[Tensor] | None" = None,
    ) -> None:
        """Accumulate ∂self/∂leaf into ``.grad`` of every leaf that requires grad."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def register_hook(self, hook: Any) -> hooks.RemovableHandle:
        """Call ``hook(grad)`` each time the gradient with respect to this tensor is computed.

        A tensor the hook returns replaces the gradient from there on; ``None`` leaves it as it is.

        >>> import gradstep
        >>> w = gradstep.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = w.register_hook(lambda grad: grad * 2)
        >>> (w * w).sum().backward(); w.grad
        tensor([4., 8.])
        >>> handle.remove()
        """
        return hooks.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this tensor's gradient in ``.grad`` after backward, though it is not a leaf.

        >>> import gradstep
        >>> w = gradstep.tensor([1.0, 2.0], requires_grad=True)
        >>> y = w * w
        >>> y.retain_grad(); y.sum().backward(); y.grad
        tensor([1., 1.])
        """
        hooks.retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True for a tensor that is not a leaf and was asked to ``retain_grad()``."""
        return hooks.retains_grad(self)

    # ---- conversions --------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The NumPy array behind this tensor (shared memory, as in PyTorch)."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._array

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self._array if dtype is None else self._array.astype(dtype)

    def tolist(self) -> Any:
        return self._array.tolist()

    def item(self) -> bool | int | float:
        if self._array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._array.size} elements cannot be converted to Scalar "
                f"(shape {tuple(self.shape)})"
            )
        return self._array.item()

    def __float__(self) -> float:
        global _float_of_grad_tensor_warned
        if self.requires_grad and not _float_of_grad_tensor_warned:  # as PyTorch (2.13): once a process; .item() never
            _float_of_grad_tensor_warned = True
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior. "
                          "Consider using tensor.detach() first.", UserWarning, stacklevel=2)
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._array.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, "
                f"not {self.dtype} of shape {tuple(self.shape)}"
            )
        return int(self._array.item())

    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """``to(dtype)``, ``to("cpu")`` or ``to(device, dtype)``; returns self when nothing changes."""
        target = kwargs.get("dtype")
        for arg in (*args, kwargs.get("device")):
            if isinstance(arg, (str, device)):
                device(arg)  # raises for anything but the CPU
            elif isinstance(arg, Tensor):
                target = arg.dtype
            elif arg is not None:
                target = arg
        target = _dtype.to_dtype(target)
        if target is None or target.numpy == self._array.dtype:
            return self.clone() if kwargs.get("copy") else self
        return ops.cast(self, target)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """``x.type()`` names the type as PyTorch does (``'gradstep.FloatTensor'``); ``x.type(dtype)`` converts.

        ``dtype`` may be a dtype, a legacy type (``gradstep.LongTensor``) or its name (``'torch.LongTensor'``).
        """
        if dtype is None:
            return f"gradstep.{_dtype.legacy_type_name(self.dtype)}"
        return self.to(_legacy_type_dtype(dtype))

    def cpu(self) -> "Tensor":
        return self

    def float(self) -> "Tensor":
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        return self.to(_dtype.float64)

    def long(self) -> "Tensor":
        return self.to(_dtype.int64)

    def int(self) -> "Tensor":
        return self.to(_dtype.int32)

    def short(self) -> "Tensor":
        return self.to(_dtype.int16)

    def char(self) -> "Tensor":
        return self.to(_dtype.int8)

    def byte(self) -> "Tensor":
        return self.to(_dtype.uint8)

    def half(self) -> "Tensor":
        return self.to(_dtype.float16)

    def bool(self) -> "Tensor":
        return self.to(_dtype.bool_)

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    __hash__ = object.__hash__

    # ---- arithmetic: see gradstep/ops/arithmetic.py -------------------------------------
    def __add__(self, other: Any) -> "Tensor":
        return ops.add(self, other) if _is_operand(other) else NotImplemented

    def __radd__(self, other: Any) -> "Tensor":
        return ops.add(other, self) if _is_operand(other) else NotImplemented

    def __sub__(self, other: Any) -> "Tensor":
        return ops.sub(self, other) if _is_operand(other) else NotImplemented

    def __rsub__(self, other: Any) -> "Tensor":
        return ops.sub(other, self) if _is_operand(other) else NotImplemented

    def __mul__(self, other: Any) -> "Tensor":
        return ops.mul(self, other) if _is_operand(other) else NotImplemented

    def __rmul__(self, other: Any) -> "Tensor":
        return ops.mul(other, self) if _is_operand(other) else NotImplemented

    def __truediv__(self, other: Any) -> "Tensor":
        return ops.div(self, other) if _is_operand(other) else NotImplemented

    def __rtruediv__(self, other: Any) -> "Tensor":
        return ops.arithmetic.divide_number_by(other, self) if _is_operand(other) else NotImplemented

    def __pow__(self, exponent: Any) -> "Tensor":
        return ops.pow(self, exponent) if _is_operand(exponent) else NotImplemented

    def __rpow__(self, base: Any) -> "Tensor":
        return ops.pow(base, self) if _is_operand(base) else NotImplemented

    def __matmul__(self, other: Any) -> "Tensor":
        return ops.matmul(self, other) if isinstance(other, Tensor) else NotImplemented

    def __rmatmul__(self, other: Any) -> "Tensor":
        return ops.matmul(other, self) if isinstance(other, Tensor) else NotImplemented

    def __neg__(self) -> "Tensor":
        return ops.neg(self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return ops.abs(self)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return ops.eq(self, other) if _is_operand(other) else NotImplemented

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return ops.ne(self, other) if _is_operand(other) else NotImplemented

    def __lt__(self, other: Any) -> "Tensor":
        return ops.lt(self, other) if _is_operand(other) else NotImplemented

    def __le__(self, other: Any) -> "Tensor":
        return ops.le(self, other) if _is_operand(other) else NotImplemented

    def __gt__(self, other: Any) -> "Tensor":
        return ops.gt(self, other) if _is_operand(other) else NotImplemented

    def __ge__(self, other: Any) -> "Tensor":
        return ops.ge(self, other) if _is_operand(other) else NotImplemented

    def __and__(self, other: Any) -> "Tensor":
        return ops.logical_and(self, other) if _is_operand(other) else NotImplemented

    def __or__(self, other: Any) -> "Tensor":
        return ops.logical_or(self, other) if _is_operand(other) else NotImplemented

    def __invert__(self) -> "Tensor":
        return ops.logical_not(self)

    def __getitem__(self, index: Any) -> "Tensor":
        return ops.index(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        ops.index_put_(self, index, value)

    # ---- in place: the rules are in autograd/in_place.py ----------------------------------
    def __iadd__(self, other: Any) -> "Tensor":
        return self._in_place_arithmetic("add_", ops.add, np.add, other)

    def __isub__(self, other: Any) -> "Tensor":
        return self._in_place_arithmetic("sub_", ops.sub, np.subtract, other)

    def __imul__(self, other: Any) -> "Tensor":
        return self._in_place_arithmetic("mul_", ops.mul, np.multiply, other)

    def __itruediv__(self, other: Any) -> "Tensor":
        return self._in_place_arithmetic("div_", ops.div, np.true_divide, other)

    def add_(self, other: Any, *, alpha: float = 1) -> "Tensor":
        return self._in_place_arithmetic("add_", ops.add, np.add, other, alpha)

    def sub_(self, other: Any, *, alpha: float = 1) -> "Tensor":
        return self._in_place_arithmetic("sub_", ops.sub, np.subtract, other, alpha)

    def mul_(self, other: Any) -> "Tensor":
        return self._in_place_arithmetic("mul_", ops.mul, np.multiply, other)

    def div_(self, other: Any) -> "Tensor":
        return self._in_place_arithmetic("div_", ops.div, np.true_divide, other)

    def _in_place_arithmetic(self, name: str, op: Any, ufunc: np.ufunc, other: Any, alpha: float = 1) -> "Tensor":
        """``self ← self <op> alpha·other``; without a graph to record, one NumPy ufunc in place."""
        if not _is_operand(other):
            raise TypeError(f"{name}(): expected a Tensor or a number, got {type(other).__name__}")
        def write(array: np.ndarray) -> None:  # the other operand is scaled after the in-place rules are checked
            other_array = other._array if isinstance(other, Tensor) else other
            ufunc(array, other_array if alpha == 1 else other_array * alpha, out=array, casting="same_kind")

        return change_in_place(self, name, lambda old: op(old, other if alpha == 1 else other * alpha), (other,),
                               write=write)

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def fill_(self, value: Any) -> "Tensor":
        """Every element becomes ``value`` (a number or a 0-d tensor)."""
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        source = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value))
        # Unlike copy_, a value that is an element of this tensor is fine: it is read before the write.
        return change_in_place(self, "fill_", lambda old: ops.overwrite(old, source), (source,), refuse_overlap=None)

    def copy_(self, src: Any) -> "Tensor":
        """Copy ``src``'s values into this tensor (broadcast to its shape, cast to its dtype)."""
        source = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
        return change_in_place(self, "copy_", lambda old: ops.overwrite(old, source), (source,))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> "Tensor":
        from .random import numpy_rng

        return self.copy_(numpy_rng(generator).uniform(a, b, self._array.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> "Tensor":
        from .random import numpy_rng

        return self.copy_(numpy_rng(generator).normal(mean, std, self._array.shape))

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        return change_in_place(self, "clamp_", lambda old: ops.clamp(old, min, max))

    clip_ = clamp_

    def relu_(self) -> "Tensor":
        return change_in_place(self, "relu_", ops.relu)

    def sigmoid_(self) -> "Tensor":
        return change_in_place(self, "sigmoid_", ops.sigmoid)

    def tanh_(self) -> "Tensor":
        return change_in_place(self, "tanh_", ops.tanh)

    def exp_(self) -> "Tensor":
        return change_in_place(self, "exp_", ops.exp)

    def log_(self) -> "Tensor":
        return change_in_place(self, "log_", ops.log)

    def sqrt_(self) -> "Tensor":
        return change_in_place(self, "sqrt_", ops.sqrt)

    def abs_(self) -> "Tensor":
        return change_in_place(self, "abs_", ops.abs)

    def neg_(self) -> "Tensor":
        return change_in_place(self, "neg_", ops.neg)

    def pow_(self, exponent: Any) -> "Tensor":
        return change_in_place(self, "pow_", lambda old: ops.pow(old, exponent), (exponent,))

    def clone(self) -> "Tensor":
        return ops.clone(self)

    def contiguous(self) -> "Tensor":
        """Self when its elements already lie in row-major order; otherwise a copy that does (as in PyTorch)."""
        return self if self._array.flags.c_contiguous else ops.clone(self)

    # ---- math and reductions: gradstep/ops ------------------------------------------------
    def add(self, other: Any, *, alpha: float = 1) -> "Tensor":
        return ops.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> "Tensor":
        return ops.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> "Tensor":
        return ops.mul(self, other)

    def div(self, other: Any) -> "Tensor":
        return ops.div(self, other)

    def pow(self, exponent: Any) -> "Tensor":
        return ops.pow(self, exponent)

    def neg(self) -> "Tensor":
        return ops.neg(self)

    def matmul(self, other: "Tensor") -> "Tensor":
        return ops.matmul(self, other)

    def mm(self, mat2: "Tensor") -> "Tensor":
        return ops.mm(self, mat2)

    def mv(self, vec: "Tensor") -> "Tensor":
        return ops.mv(self, vec)

    def dot(self, other: "Tensor") -> "Tensor":
        return ops.dot(self, other)

    def outer(self, vec2: "Tensor") -> "Tensor":
        return ops.outer(self, vec2)

    @accepts_numpy_names
    def cumsum(self, dim: int, *, dtype: Any = None) -> "Tensor":
        return ops.cumsum(self, dim, dtype=dtype)

    def bmm(self, mat2: "Tensor") -> "Tensor":
        return ops.bmm(self, mat2)

    @accepts_numpy_names
    def amax(self, dim: Any = (), keepdim: bool = False) -> "Tensor":
        return ops.amax(self, dim, keepdim)

    @accepts_numpy_names
    def amin(self, dim: Any = (), keepdim: bool = False) -> "Tensor":
        return ops.amin(self, dim, keepdim)

    def flip(self, *dims: Any) -> "Tensor":
        return ops.flip(self, dims[0] if len(dims) == 1 else dims)

    def tril(self, diagonal: int = 0) -> "Tensor":
        return ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> "Tensor":
        return ops.triu(self, diagonal)

    def sign(self) -> "Tensor":
        return ops.sign(self)

    def floor(self) -> "Tensor":
        return ops.floor(self)

    def ceil(self) -> "Tensor":
        return ops.ceil(self)

    def round(self, *, decimals: int = 0) -> "Tensor":
        return ops.round(self, decimals=decimals)

    def trunc(self) -> "Tensor":
        return ops.trunc(self)

    def isclose(self, other: "Tensor", rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> "Tensor":
        return ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: "Tensor", rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return ops.allclose(self, other, rtol, atol, equal_nan)

    def exp(self) -> "Tensor":
        return ops.exp(self)

    def log(self) -> "Tensor":
        return ops.log(self)

    def sqrt(self) -> "Tensor":
        return ops.sqrt(self)

    def sin(self) -> "Tensor":
        return ops.sin(self)

    def cos(self) -> "Tensor":
        return ops.cos(self)

    def tan(self) -> "Tensor":
        return ops.tan(self)

    def abs(self) -> "Tensor":
        return ops.abs(self)

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        return ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: "Tensor") -> "Tensor":
        return ops.maximum(self, other)

    def minimum(self, other: "Tensor") -> "Tensor":
        return ops.minimum(self, other)

    def relu(self) -> "Tensor":
        return ops.relu(self)

    def sigmoid(self) -> "Tensor":
        return ops.sigmoid(self)

    def tanh(self) -> "Tensor":
        return ops.tanh(self)

    @accepts_numpy_names
    def softmax(self, dim: int) -> "Tensor":
        return ops.softmax(self, dim)

    @accepts_numpy_names
    def log_softmax(self, dim: int) -> "Tensor":
        return ops.log_softmax(self, dim)

    @accepts_numpy_names
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> "Tensor":
        return ops.sum(self, dim, keepdim, dtype=dtype)

    @accepts_numpy_names
    def mean(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return ops.mean(self, dim, keepdim)

    @accepts_numpy_names
    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> "Tensor":
        return ops.var(self, dim, unbiased, keepdim, correction=correction)

    @accepts_numpy_names
    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> "Tensor":
        return ops.std(self, dim, unbiased, keepdim, correction=correction)

    @accepts_numpy_names
    def logsumexp(self, dim: Any, keepdim: bool = False) -> "Tensor":
        return ops.logsumexp(self, dim, keepdim)

    @accepts_numpy_names
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.max(self, dim, keepdim)

    @accepts_numpy_names
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.min(self, dim, keepdim)

    @accepts_numpy_names
    def argmax(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return ops.argmax(self, dim, keepdim)

    @accepts_numpy_names
    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return ops.argmin(self, dim, keepdim)

    @accepts_numpy_names
    def all(self, dim: int | None = None) -> "Tensor":
        return ops.all(self, dim)

    @accepts_numpy_names
    def any(self, dim: int | None = None) -> "Tensor":
        return ops.any(self, dim)

    def eq(self, other: Any) -> "Tensor":
        return ops.eq(self, other)

    def ne(self, other: Any) -> "Tensor":
        return ops.ne(self, other)

    def lt(self, other: Any) -> "Tensor":
        return ops.lt(self, other)

    def le(self, other: Any) -> "Tensor":
        return ops.le(self, other)

    def gt(self, other: Any) -> "Tensor":
        return ops.gt(self, other)

    def ge(self, other: Any) -> "Tensor":
        return ops.ge(self, other)

    def sort(self, dim: int = -1, descending: bool = False) -> Any:
        return ops.sort(self, dim, descending)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> "Tensor":
        return ops.argsort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return ops.topk(self, k, dim, largest, sorted)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False) -> Any:  # noqa: A002
        return ops.unique(self, sorted, return_inverse, return_counts)

    # ---- shape: gradstep/ops/shape.py ------------------------------------------------------
    def reshape(self, *shape: Any) -> "Tensor":
        return ops.reshape(self, *shape)

    def view(self, *shape: Any) -> "Tensor":
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Size)):
            raise TypeError(
                "view(dtype) reinterprets the bytes in PyTorch, which gradstep does not do; "
                "to convert the values use .to(dtype)"
            )
        return ops.view(self, *shape)

    def view_as(self, other: "Tensor") -> "Tensor":
        return ops.view(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        return ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        return ops.transpose(self, dim0, dim1)

    def t(self) -> "Tensor":
        if self._array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but this one has {self._array.ndim}")
        # Of a 0-d or 1-d tensor, a view that is the same tensor (not the tensor itself), as in PyTorch.
        return ops.transpose(self, 0, 1) if self._array.ndim == 2 else ops.permute(self, *range(self._array.ndim))

    @property
    def T(self) -> "Tensor":
        return ops.permute(self, *reversed(range(self._array.ndim)))

    def permute(self, *dims: Any) -> "Tensor":
        return ops.permute(self, *dims)

    @accepts_numpy_names
    def unsqueeze(self, dim: int) -> "Tensor":
        return ops.unsqueeze(self, dim)

    @accepts_numpy_names
    def squeeze(self, dim: int | None = None) -> "Tensor":
        return ops.squeeze(self, dim)

    def expand(self, *sizes: Any) -> "Tensor":
        return ops.expand(self, *sizes)

    def swapaxes(self, axis0: int, axis1: int) -> "Tensor":
        return ops.transpose(self, axis0, axis1)

    swapdims = swapaxes

    def movedim(self, source: int, destination: int) -> "Tensor":
        return ops.movedim(self, source, destination)

    def select(self, dim: int, index: int) -> "Tensor":
        return ops.select(self, dim, index)

    def narrow(self, dim: int, start: int, length: int) -> "Tensor":
        return ops.narrow(self, dim, start, length)

    def split(self, split_size: Any, dim: int = 0) -> tuple["Tensor", ...]:
        return ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple["Tensor", ...]:
        return ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple["Tensor", ...]:
        return ops.unbind(self, dim)

    # ---- more of PyTorch's surface: see gradstep/ops/gather_scatter.py, norm.py -------------
    @property
    def mT(self) -> "Tensor":
        """The matrices in the last two dims, transposed."""
        if self._array.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self._array.ndim}-D tensor.")
        return ops.transpose(self, -2, -1)

    mH = mT  # the conjugate transpose; gradstep's numbers are real

    @property
    def H(self) -> "Tensor":
        if self._array.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self._array.ndim}-D tensor.")
        return self.t()

    def __format__(self, format_spec: str) -> str:
        # Like PyTorch: a 0-d tensor formats as its number, so f"{loss:>7f}" works.
        if self._array.ndim == 0:
            return format(self.item(), format_spec)
        return object.__format__(self, format_spec)

    @accepts_numpy_names
    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> "Tensor":
        return ops.norm(self, p, dim, keepdim, dtype)

    def erf(self) -> "Tensor":
        return ops.erf(self)

    @accepts_numpy_names
    def gather(self, dim: int, index: "Tensor") -> "Tensor":
        return ops.gather(self, dim, index)

    @accepts_numpy_names
    def index_select(self, dim: int, index: "Tensor") -> "Tensor":
        return ops.index_select(self, dim, index)

    @accepts_numpy_names
    def scatter(self, dim: int, index: "Tensor", src: Any = None, *, value: Any = None, reduce: str | None = None) -> "Tensor":
        return ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    @accepts_numpy_names
    def scatter_add(self, dim: int, index: "Tensor", src: "Tensor") -> "Tensor":
        return ops.scatter_add(self, dim, index, src)

    @accepts_numpy_names
    def index_add(self, dim: int, index: "Tensor", source: "Tensor", *, alpha: float = 1) -> "Tensor":
        return ops.index_add(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask: "Tensor", value: Any) -> "Tensor":
        return ops.masked_fill(self, mask, value)

    # In place: the op out of place, then copied into this tensor's memory.
    @accepts_numpy_names
    def scatter_(self, dim: int, index: "Tensor", src: Any = None, *, value: Any = None, reduce: str | None = None) -> "Tensor":
        return self.copy_(ops.scatter(self, dim, index, src, value=value, reduce=reduce))

    @accepts_numpy_names
    def scatter_add_(self, dim: int, index: "Tensor", src: "Tensor") -> "Tensor":
        return self.copy_(ops.scatter_add(self, dim, index, src))

    @accepts_numpy_names
    def index_add_(self, dim: int, index: "Tensor", source: "Tensor", *, alpha: float = 1) -> "Tensor":
        return self.copy_(ops.index_add(self, dim, index, source, alpha=alpha))

    def masked_fill_(self, mask: "Tensor", value: Any) -> "Tensor":
        return self.copy_(ops.masked_fill(self, mask, value))

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def nelement(self) -> int:
        return self._array.size

    def ndimension(self) -> int:
        return self._array.ndim

    # ---- new tensors like this one: its dtype unless told otherwise ----------------------------
    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> "Tensor":
        from .creation import tensor

        return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> "Tensor":
        from .creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> "Tensor":
        from .creation import ones

        return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    new_empty = new_zeros

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> "Tensor":
        from .creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    # ---- devices: gradstep has the CPU only ------------------------------------------------------
    @property
    def is_cuda(self) -> bool:
        return False

    def cuda(self, device: Any = None, non_blocking: bool = False) -> "Tensor":
        return self.to("cuda" if device is None else device)  # raises, naming the device



def _legacy_type_dtype(value: Any) -> _dtype.dtype:
    """The dtype behind ``gradstep.LongTensor`` or ``'torch.LongTensor'``; any other dtype spec as it is."""
    if isinstance(value, str):
        name = value.rsplit(".", 1)[-1]
        for dtype in _dtype.ALL:
            if name == _dtype.legacy_type_name(dtype):
                return dtype
    if isinstance(value, type) and isinstance(getattr(value, "dtype", None), _dtype.dtype):
        return value.dtype
    return _dtype.to_dtype(value)

_OPERAND_TYPES = (Tensor, bool, int, float, np.number, np.bool_)


def _is_operand(value: Any) -> bool:
    """A tensor or a Python/NumPy number: what arithmetic with a tensor accepts."""
    return isinstance(value, _OPERAND_TYPES)


# Imported last: every op builds on the Tensor class above.
from . import ops  # noqa: E402
