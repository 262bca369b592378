"""``Optimizer``: the base of SGD and Adam; it holds the parameter groups and per-parameter state."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from ..autograd.engine import clear_grads


class Optimizer:
    """Updates parameters from their ``.grad``; subclasses write ``step``.

    ``param_groups`` is a list of dicts, each with its ``params`` and its own settings
    (``lr``, ``momentum``, ...); ``state[p]`` keeps what a parameter carries from step to
    step (a momentum buffer, Adam's averages).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last step (they would otherwise add up)."""
        clear_grads((param for group in self.param_groups for param in group["params"]), set_to_none)

    def step(self) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """State and settings, with parameters named by their position (as in PyTorch)."""
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": [index_of[id(p)] for p in group["params"]]})
        state = {
            index_of[id(param)]: {key: value.clone() if isinstance(value, Tensor) else value for key, value in values.items()}
            for param, values in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, this optimizer has {len(self.param_groups)}"
            )
        params_by_index: dict[int, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group of {len(saved['params'])} parameters "
                    f"that doesn't match the size of optimizer's group ({len(group['params'])})"
                )
            params_by_index.update(zip(saved["params"], group["params"]))
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for index, values in state_dict["state"].items():
            param = params_by_index[int(index)]
            self.state[param] = {key: _as_state_value(value, param) for key, value in values.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params")
        return "\n".join(lines) + "\n)"


def _as_state_value(value: Any, param: Tensor) -> Any:
    """A saved buffer becomes a tensor of the parameter's dtype again; numbers stay numbers."""
    if isinstance(value, Tensor):
        return Tensor._wrap(value._array.astype(param._array.dtype, copy=True))
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return Tensor._wrap(value.astype(param._array.dtype, copy=True))
    return value


def writable_array(w: Tensor) -> np.ndarray:
    """The array of the parameter ``w``, for a step that updates it in place.

    An expanded tensor's elements share memory: writing to it is refused with PyTorch's error,
    which ``add_`` raises.
    """
    if not w._array.flags.writeable:
        w.add_(w.grad)
    return w._array


def count_in_place_changes(tensor: Tensor, times: int = 1) -> None:
    """Bump ``tensor``'s version ``times``, as that many of PyTorch's in-place ops on it would.

    A step that writes the arrays directly still counts: a graph that saved a weight before
    the step then refuses to backward through it, as in PyTorch.
    """
    tensor._version_counter.value += times
