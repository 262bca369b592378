"""Apple's Metal GPUs (``mps``): not available in gradstep's NumPy engine."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
