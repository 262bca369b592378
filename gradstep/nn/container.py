"""Containers: ``Sequential`` (layers applied one after another), ``ModuleList``, ``ModuleDict``,
``ParameterList`` and ``ParameterDict`` (modules and parameters kept where the model finds them)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Iterator

from .._tensor import Tensor
from .module import Module
from .parameter import Parameter


class _ModulesInOrder(Module):
    """Modules kept in order and reached by position: what ``Sequential`` and ``ModuleList`` share.

    The names are 0, 1, 2, ... (a ``Sequential`` built from an ``OrderedDict`` keeps its names
    until a module is removed: then, as in PyTorch, they are numbered again).
    """

    def _key(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for a {type(self).__name__} of {len(self)} modules")
        return list(self._modules)[index]

    def __setitem__(self, index: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"a {type(self).__name__} holds modules, got {type(module).__name__}")
        self._modules[self._key(index)] = module  # in place, keeping the order

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)[index] if isinstance(index, slice) else [self._key(index)]
        for key in keys:
            del self._modules[key]
        self._renumber(list(self._modules.values()))

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "_ModulesInOrder":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "_ModulesInOrder":
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, index: int) -> Module:
        module = self._modules[self._key(index)]
        del self[index]
        return module


class Sequential(_ModulesInOrder):
    """Feeds the output of each module into the next.

    >>> from gradstep import nn
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128, bias=False), nn.ReLU())
    >>> model[1]
    Linear(in_features=784, out_features=128, bias=False)
    >>> model[1] = nn.Linear(784, 64); del model[2]; model
    Sequential(
      (0): Flatten(start_dim=1, end_dim=-1)
      (1): Linear(in_features=784, out_features=64, bias=True)
    )
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            self.extend(modules)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return self._modules[self._key(index)]


def _repeats_compressed(name: str, reprs: list[str]) -> str:
    """``ModuleList``'s print, with runs of identical modules as ``(0-2): 3 x Linear(...)``, as PyTorch does."""
    if not reprs:
        return f"{name}()"
    runs: list[list[Any]] = []  # [first index, last index, repr]
    for index, text in enumerate(reprs):
        if runs and runs[-1][2] == text:
            runs[-1][1] = index
        else:
            runs.append([index, index, text])
    lines = []
    for first, last, text in runs:
        label = f"({first}): {text}" if first == last else f"({first}-{last}): {last - first + 1} x {text}"
        lines.append(label.replace("\n", "\n  "))
    return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleList(_ModulesInOrder):
    """A list of modules whose parameters the containing model finds (a plain list would hide them).

    >>> from gradstep import nn
    >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[self._key(index)]

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        return ModuleList([*self, *other])

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward: call its modules in your own forward, e.g. in a loop")

    def __repr__(self) -> str:
        return _repeats_compressed(type(self).__name__, [repr(module) for module in self])


class ModuleDict(Module):
    """A dict of modules by name, registered like attributes.

    >>> from gradstep import nn
    >>> heads = nn.ModuleDict({"relu": nn.ReLU(), "tanh": nn.Tanh()})
    >>> list(heads.keys())
    ['relu', 'tanh']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"a ModuleDict holds modules, got {type(module).__name__}")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward: pick its modules by name in your own forward")


def _as_parameter(value: Any) -> Parameter:
    # As in PyTorch, a plain tensor put in a ParameterList or ParameterDict becomes a Parameter.
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"expected a Parameter or a Tensor, got {type(value).__name__}")


def _describe_parameter(param: Parameter) -> str:
    size = "x".join(str(s) for s in param.shape)
    return f"Parameter containing: [gradstep.{param.dtype.name} of size {size}]"


class ParameterList(Module):
    """A list of parameters, each registered with the module (``parameters()`` finds them).

    >>> import gradstep
    >>> from gradstep import nn
    >>> weights = nn.ParameterList([nn.Parameter(gradstep.ones(2)), gradstep.zeros(3)])
    >>> [tuple(p.shape) for p in weights.parameters()]
    [(2,), (3,)]
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for a ParameterList of {len(self)} parameters")
        return list(self._parameters)[index]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[self._key(index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self._parameters[self._key(index)] = _as_parameter(value)  # in place, keeping the order

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __iadd__(self, values: Iterable[Any]) -> "ParameterList":
        return self.extend(values)

    def append(self, value: Any) -> "ParameterList":
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"    ({i}): {_describe_parameter(p)}" for i, p in enumerate(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(\n{self.extra_repr()}\n)" if len(self) else f"{type(self).__name__}()"


class ParameterDict(Module):
    """A dict of parameters by name, each registered with the module."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()

    def pop(self, key: str) -> Parameter:
        return self._parameters.pop(key)

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"    ({key}): {_describe_parameter(p)}" for key, p in self.items())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(\n{self.extra_repr()}\n)" if len(self) else f"{type(self).__name__}()"
