"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is listed by ``module.parameters()``.

    >>> import gradstep
    >>> p = Parameter(gradstep.zeros(2))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        source = data if data is not None else Tensor()
        self._setup(source._array)
        self._version_counter = source._version_counter  # shares memory with data, as in PyTorch
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> "Parameter":
        """``copy.deepcopy(model)`` copies each parameter once (shared ones stay shared), without ``.grad``, as PyTorch does."""
        if id(self) not in memo:
            memo[id(self)] = type(self)(Tensor._wrap(self._array.copy()), self._requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("gradstep never pickles tensors: save a state_dict with gradstep.save instead")
