"""NVIDIA's cuDNN: not available. ``deterministic`` and ``benchmark`` can be set, as scripts do, and change nothing:
gradstep's results are deterministic already."""

deterministic = False
benchmark = False
enabled = False


def is_available() -> bool:
    return False
