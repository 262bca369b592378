"""``gradstep.linalg``: the norms of ``torch.linalg`` (see ``gradstep/ops/norm.py``).

>>> import gradstep
>>> gradstep.linalg.norm(gradstep.tensor([[3.0, 0.0], [0.0, 4.0]]))
tensor(5.)
"""
from .ops.norm import linalg_norm as norm
from .ops.norm import matrix_norm, vector_norm

__all__ = ["norm", "matrix_norm", "vector_norm"]
