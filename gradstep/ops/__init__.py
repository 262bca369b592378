"""Every op of the engine. Each differentiable op is a ``Function`` with its forward and
backward side by side; the functions here take tensors (and numbers) and apply them."""
from .activation import log_softmax, relu, sigmoid, softmax, tanh
from .arithmetic import add, div, mul, neg, pow, sub
from .comparison import eq, equal, ge, gt, le, logical_and, logical_not, logical_or, lt, ne, sort, unique
from .conversion import cast, clone
from .conv import conv1d, conv2d, fold, pad, unfold
from .elementwise import abs, clamp, clip, exp, log, maximum, minimum, sqrt, where
from .indexing import index, index_put_
from .linalg import linear, matmul, mm
from .normalization import batch_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .reduction import all, any, argmax, argmin, max, mean, min, sum
from .shape import cat, concat, expand, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze, view

__all__ = [
    "abs", "adaptive_avg_pool2d", "add", "all", "any", "argmax", "argmin", "avg_pool2d", "batch_norm", "cast",
    "cat", "clamp", "clip", "clone", "concat", "conv1d", "conv2d", "div", "eq", "equal", "exp", "expand",
    "flatten", "fold", "ge", "gt", "index", "index_put_", "le", "linear", "log", "log_softmax", "logical_and",
    "logical_not", "logical_or", "lt", "matmul", "max", "max_pool2d", "maximum", "mean", "min", "minimum", "mm",
    "mul", "ne", "neg", "pad", "permute", "pow", "relu", "reshape", "sigmoid", "softmax", "sort", "sqrt",
    "squeeze", "stack", "sub", "sum", "tanh", "transpose", "unfold", "unique", "unsqueeze", "view", "where",
]
