"""``gradstep.backends``: the backends PyTorch can use besides the CPU. gradstep has none of them.

>>> import gradstep
>>> gradstep.backends.mps.is_available(), gradstep.backends.cudnn.is_available()
(False, False)
"""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
