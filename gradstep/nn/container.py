"""``Sequential``: layers applied one after another."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator

from .module import Module


class Sequential(Module):
    """Feeds the output of each module into the next.

    >>> from gradstep import nn
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128, bias=False), nn.ReLU())
    >>> model[1]
    Linear(in_features=784, out_features=128, bias=False)
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Module:
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(modules[index]))
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"index {index} is out of range for a Sequential of {len(modules)} modules")
        return modules[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self
