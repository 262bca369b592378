"""Every op of the engine. Each differentiable op is a ``Function`` with its forward and
backward side by side; the functions here take tensors (and numbers) and apply them."""
from .activation import log_softmax, relu, sigmoid, softmax, tanh
from .activation_variants import elu, erf, gelu, leaky_relu, silu
from .arithmetic import add, div, mul, neg, pow, sub
from .comparison import (
    allclose, argsort, eq, equal, ge, gt, isclose, le, logical_and, logical_not, logical_or, lt, ne, sort, topk, unique,
)
from .conversion import cast, clone, overwrite
from .conv import conv1d, conv2d, fold, pad, unfold
from .elementwise import abs, ceil, clamp, clip, cos, exp, floor, log, maximum, minimum, round, sign, sin, sqrt, tan, trunc, where
from .gather_scatter import gather, index_add, index_select, masked_fill, scatter, scatter_add
from .indexing import index, index_put_
from .linalg import bmm, dot, linear, matmul, mm, mv, outer
from .norm import linalg_norm, matrix_norm, norm, vector_norm
from .normalization import batch_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .reduction import all, amax, amin, any, argmax, argmin, cumsum, logsumexp, max, mean, min, std, sum, var
from .shape import (
    cat, chunk, concat, expand, flatten, flip, movedim, narrow, permute, reshape, select, split, squeeze, stack,
    swapaxes, swapdims, transpose, tril, triu, unbind, unsqueeze, view,
)

__all__ = [
    "allclose", "amax", "amin", "argsort", "bmm", "topk", "ceil", "flip", "floor", "isclose", "round", "sign", "tan", "tril", "triu", "trunc",
    "abs", "add", "all", "any", "argmax", "argmin", "cast", "cat", "chunk", "clamp", "clip", "clone", "concat", "cos", "cumsum", "dot",
    "div", "eq", "equal", "exp", "expand", "flatten", "ge", "gt", "index", "index_put_", "le", "linear",
    "log", "log_softmax", "logsumexp", "logical_and", "logical_not", "logical_or", "lt", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mm", "movedim", "mul", "mv", "outer", "narrow", "ne", "neg", "overwrite", "permute", "pow",
    "relu", "reshape", "select", "sigmoid", "sin", "softmax", "sort", "split", "sqrt", "squeeze", "stack", "std", "sub", "sum",
    "swapaxes", "swapdims", "tanh", "transpose", "unbind", "unique", "unsqueeze", "var", "view", "where",
    "elu", "erf", "gelu", "leaky_relu", "silu", "gather", "index_add", "index_select", "masked_fill", "scatter",
    "scatter_add", "linalg_norm", "matrix_norm", "norm", "vector_norm",
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "fold", "max_pool2d", "pad", "unfold",
]
