"""``gradstep.cuda``: the NumPy engine has no GPU; this answers the usual questions honestly."""


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0
