"""``gradstep.utils``: data loading lives in ``gradstep.utils.data``."""
from . import data

__all__ = ["data"]
