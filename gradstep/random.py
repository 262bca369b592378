"""Random numbers: one global generator and ``Generator`` objects, as in PyTorch.

The same seed gives the same numbers on every machine (NumPy's PCG64 underneath). The
numbers differ from PyTorch's own, which uses a different algorithm.
"""
from __future__ import annotations

import numpy as np

_PYTORCH_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers with its own state.

    >>> g = Generator().manual_seed(420)
    >>> import gradstep
    >>> a = gradstep.rand(3, generator=g)
    >>> _ = g.manual_seed(420)  # manual_seed returns the generator, as in PyTorch
    >>> bool((gradstep.rand(3, generator=g) == a).all())
    True
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.manual_seed(_PYTORCH_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")
        self._initial_seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(int(seed) & (2**128 - 1)))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed used."""
        new_seed = int(np.random.SeedSequence().entropy) & (2**63 - 1)
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        """The generator's state as plain JSON-compatible data (PyTorch returns a ByteTensor)."""
        return {"initial_seed": self._initial_seed, "bit_generator": self.numpy.bit_generator.state}

    def set_state(self, state: dict) -> "Generator":
        self._initial_seed = state["initial_seed"]
        self.numpy.bit_generator.state = state["bit_generator"]
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator, the one every random function uses unless given another."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def numpy_rng(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator``, or behind the global one when it is None."""
    return (generator or default_generator).numpy
