"""gradstep: how a neural network learns, built for real.

A from-scratch reverse-mode autodiff engine on NumPy with PyTorch's API, so that a
PyTorch script runs with ``import gradstep as torch``:

>>> import gradstep as torch
>>> w = torch.tensor([1.0, -2.0], requires_grad=True)
>>> loss = (w ** 2).sum()
>>> loss.backward()
>>> w.grad
tensor([ 2., -4.])
"""
from . import _dtype
from ._dtype import bool_ as bool  # noqa: A001 - PyTorch's name: gradstep.bool
from ._dtype import dtype, float16, float32, float64, int8, int16, int32, int64, promote_types, result_type, uint8
from ._legacy_types import (
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
)
from ._printing import set_printoptions
from ._tensor import Size, Tensor, device
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, normal, ones, ones_like, rand,
    rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .ops import (  # noqa: A004 - PyTorch's names (round, abs, all, ...)
    abs, add, all, allclose, amax, amin, any, argmax, argmin, argsort, bmm, cat, ceil, clamp, clip, clone, concat,
    cos, cumsum, div, dot, eq, equal, erf, exp, flatten, flip, floor, gather, ge, gt, index_add, index_select,
    isclose, le, log, log_softmax, logical_and, logical_not, logical_or, logsumexp, lt, masked_fill, matmul, max,
    maximum, mean, min, minimum, mm, mul, mv, ne, neg, norm, outer, permute, pow, relu, reshape, round, scatter,
    scatter_add, sigmoid, sign, sin, softmax, sort, sqrt, squeeze, stack, std, sub, sum, tan, tanh, topk, transpose,
    tril, triu, trunc, unique, unsqueeze, var, where,
)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import accelerator, autograd, backends, cuda, linalg, random  # noqa: E402

# PyTorch's other names for its dtypes (torch.int is int32, as in C).
long = int64
int = int32  # noqa: A001
short = int16
half = float16
float = float32  # noqa: A001
double = float64

__version__ = "0.1.0"


def get_default_dtype() -> dtype:
    return _dtype.default_float


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def __getattr__(name: str):
    # The toolkit's packages load on first use, so `import gradstep` stays quick.
    import importlib

    if name in {"nn", "optim", "utils", "datasets", "vision", "train", "plots", "lesson"}:
        return importlib.import_module(f".{name}", __name__)
    if name in {"save", "load"}:
        from . import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'gradstep' has no attribute {name!r}")
