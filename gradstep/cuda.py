"""``gradstep.cuda``: the NumPy engine has no GPU; this answers the usual questions honestly."""


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Seeds the GPUs' generators in PyTorch; with no GPU there is nothing to seed (PyTorch does the same)."""


def manual_seed_all(seed: int) -> None:
    """See ``manual_seed``."""
