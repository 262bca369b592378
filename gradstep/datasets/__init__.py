"""Datasets for learning: Fashion-MNIST (shipped with gradstep, works offline) and MNIST.

Example:
    >>> from gradstep.datasets import FashionMNIST
    >>> train = FashionMNIST(train=True)
    >>> len(train), train.classes[0]
    (60000, 'T-shirt/top')
"""

from .errors import DatasetError
from .idx import read_idx, write_idx
from .mnist import MNIST, FashionMNIST
from .sources import cache_dir

__all__ = ["MNIST", "DatasetError", "FashionMNIST", "cache_dir", "read_idx", "write_idx"]
