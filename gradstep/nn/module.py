"""``Module``: the base of every layer and model. It finds its parameters by itself.

Assigning a ``Parameter`` or another ``Module`` to an attribute registers it, so that
``parameters()``, ``state_dict()``, ``train()`` and ``zero_grad()`` reach every weight of
every submodule.
"""
from __future__ import annotations

import copy
import weakref
from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator

import numpy as np

from .. import _dtype
from .._tensor import Size, Tensor, device
from ..autograd.engine import clear_grads
from ..autograd.grad_mode import no_grad
from ..autograd.hooks import RemovableHandle
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Registry(dict):
    """A module's parameters, its buffers or its submodules, by name: ``_parameters`` and the others.

    Each entry is also an ordinary attribute of the module, kept the same by every change made
    here. So ``self.weight`` in a ``forward`` is found by Python's own lookup, as fast as any
    attribute. Found through ``__getattr__`` instead, after a failed lookup, each read cost about
    6,000 instructions (counted with valgrind), 30,000 a training step of the lesson's network.

    A name the module's class already defines (a method such as ``train``) stays the class's,
    as in PyTorch, where such an entry is reachable only through the registry.

    >>> import gradstep
    >>> layer = gradstep.nn.Linear(2, 1)
    >>> layer.__dict__["weight"] is layer._parameters["weight"]
    True
    """

    def __init__(self, module: "Module | None") -> None:
        super().__init__()
        # A weak reference: a module and its registries would otherwise keep each other alive,
        # and a dropped model would wait for the garbage collector instead of going at once.
        self._module = weakref.ref(module) if module is not None else None

    def _owner(self) -> "Module | None":
        return self._module() if self._module is not None else None

    def _attributes(self) -> dict:
        """The module's own attributes (its ``__dict__``); an empty dict for a registry without one."""
        module = self._owner()
        return module.__dict__ if module is not None else {}

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, value)
        module = self._owner()
        if module is not None and not hasattr(type(module), name):
            module.__dict__[name] = value

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._attributes().pop(name, None)

    def pop(self, name: str, *default: Any) -> Any:
        if name in self:
            self._attributes().pop(name, None)
        return super().pop(name, *default)

    def popitem(self) -> tuple[str, Any]:
        name, value = super().popitem()
        self._attributes().pop(name, None)
        return name, value

    def clear(self) -> None:
        attributes = self._attributes()
        for name in self:
            attributes.pop(name, None)
        super().clear()

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = default
        return self[name]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def __deepcopy__(self, memo: dict) -> "Registry":
        """The registry of the module's copy (``copy.deepcopy(model)``), filling in that module's attributes."""
        module = self._owner()
        twin = Registry(memo.get(id(module)) if module is not None else None)
        memo[id(self)] = twin
        for name, value in self.items():
            twin[name] = copy.deepcopy(value, memo)
        return twin

    def __ior__(self, other: Any) -> "Registry":
        self.update(other)
        return self


class Module:
    """Base class of layers and models: subclass it and write ``forward``.

    >>> import gradstep
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = Parameter(gradstep.ones(1))
    ...     def forward(self, x):
    ...         return self.scale * x
    >>> [name for name, _ in Affine().named_parameters()]
    ['scale']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", Registry(self))
        object.__setattr__(self, "_buffers", Registry(self))
        object.__setattr__(self, "_modules", Registry(self))
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            changed = hook(self, args)
            if changed is not None:  # a pre-hook may replace the inputs
                args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            changed = hook(self, args, output)
            if changed is not None:  # a hook may replace the output
                output = changed
        return output

    # ---- hooks: functions called around forward, e.g. to look at activations -------------------
    def register_forward_pre_hook(self, hook: Callable[["Module", tuple], Any]) -> "RemovableHandle":
        """Call ``hook(module, inputs)`` before each forward; a value it returns replaces the inputs."""
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: Callable[["Module", tuple, Any], Any]) -> "RemovableHandle":
        """Call ``hook(module, inputs, output)`` after each forward; a value it returns replaces the output.

        >>> from gradstep import nn
        >>> import gradstep
        >>> seen = []
        >>> handle = nn.ReLU().register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
        >>> handle.remove()
        """
        return RemovableHandle(self._forward_hooks, hook)

    # ---- registration -----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call (call super().__init__() first)")
        if isinstance(value, (Parameter, Module)):
            for registry in ("_parameters", "_buffers", "_modules"):
                self.__dict__[registry].pop(name, None)
            self.__dict__.pop(name, None)
            (self._parameters if isinstance(value, Parameter) else self._modules)[name] = value
        elif name in self._parameters:
            # A parameter stays a parameter: `layer.weight = layer.weight - lr * grad` would otherwise
            # quietly take the weight out of parameters(), and so out of the optimizer's reach.
            self._check_replacement(value, name, "parameter", "gradstep.nn.Parameter")
            self._parameters[name] = None
        elif name in self._modules:
            self._check_replacement(value, name, "child module", "gradstep.nn.Module")
            self._modules[name] = None
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                self._check_replacement(value, name, "buffer", "gradstep.Tensor")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _check_replacement(value: Any, name: str, kind: str, expected: str) -> None:
        if value is not None:
            raise TypeError(f"cannot assign '{type(value).__name__}' as {kind} '{name}' ({expected} or None expected)")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__[registry]:
                del self.__dict__[registry][name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is None:
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that belongs to the module's state (saved in ``state_dict``) but is not learned."""
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path, e.g. ``model.get_submodule("encoder.0")``."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})")
            module = module._modules[part]
        return module

    # ---- walking the tree -------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, m) for child, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator["Module"]:
        return (module for _, module in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        return ((name, m) for name, m in self._modules.items() if m is not None)

    def children(self) -> Iterator["Module"]:
        return (module for _, module in self.named_children())

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs, each parameter once even when shared by two layers."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for module_name, module in self.named_modules():
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buffer

    def buffers(self) -> Iterator[Tensor]:
        return (buffer for _, buffer in self.named_buffers())

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ----------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active) or, with ``mode=False``, evaluation mode."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        clear_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ---- dtype and device -------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """``to(dtype)`` converts floating-point parameters and buffers; ``to("cpu")`` is a no-op."""
        target = kwargs.get("dtype")
        for arg in args:
            if isinstance(arg, (str, device)):
                device(arg)  # raises for anything but the CPU
            else:
                target = arg
        target = _dtype.to_dtype(target)
        if target is not None:
            for tensor in [*self.parameters(), *self.buffers()]:
                if tensor._array.dtype.kind == "f":
                    tensor._array = tensor._array.astype(target.numpy)
                    if tensor.grad is not None:
                        tensor.grad._array = tensor.grad._array.astype(target.numpy)
        return self

    def double(self) -> "Module":
        return self.to(_dtype.float64)

    def float(self) -> "Module":
        return self.to(_dtype.float32)

    def cpu(self) -> "Module":
        return self

    # ---- saving and loading -----------------------------------------------------------------
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name, e.g. ``'0.weight'``."""
        state: OrderedDict[str, Tensor] = OrderedDict()
        for module_name, module in self.named_modules():
            skip = module.__dict__.get("_non_persistent", set())
            entries = [*module._parameters.items(), *((n, b) for n, b in module._buffers.items() if n not in skip)]
            for name, tensor in entries:
                if tensor is not None:
                    key = prefix + (f"{module_name}.{name}" if module_name else name)
                    state[key] = tensor if keep_vars else tensor.detach()
        return state

    def load_state_dict(self, state_dict: "dict[str, Any]", strict: bool = True) -> IncompatibleKeys:
        """Copy tensors from ``state_dict`` into this module's own, by name.

        With ``strict=True`` any missing or unexpected key is an error; a shape mismatch always is.
        """
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        for key, target in own.items():
            if key in state_dict:
                source = state_dict[key]
                source_array = source._array if isinstance(source, Tensor) else np.asarray(source)
                if source_array.shape != target._array.shape:
                    problems.append(
                        f"size mismatch for {key}: copying a param with shape {Size(source_array.shape)!r} from "
                        f"checkpoint, the shape in current model is {target.shape!r}."
                    )
        if strict:
            if unexpected:
                problems.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    source = state_dict[key]
                    target.copy_(source if isinstance(source, Tensor) else Tensor._wrap(np.asarray(source)))
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ---------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ") for name, module in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"
