"""``gradstep.vision.transforms.v2``: the same transforms under torchvision's newer module, plus ``ToImage``.

>>> from gradstep.vision.transforms import v2
>>> import gradstep
>>> preprocess = v2.Compose([v2.ToImage(), v2.ToDtype(gradstep.float32, scale=True)])
"""
from __future__ import annotations

from typing import Any

from . import (
    CenterCrop, Compose, ConvertImageDtype, InterpolationMode, Lambda, Normalize, PILToTensor, RandomCrop,
    RandomHorizontalFlip, RandomRotation, RandomVerticalFlip, Resize, ToDtype, ToPILImage,
)
from . import functional
from .functional import pil_to_tensor
from ..._tensor import Tensor

__all__ = [
    "CenterCrop", "Compose", "ConvertImageDtype", "InterpolationMode", "Lambda", "Normalize", "PILToTensor",
    "RandomCrop", "RandomHorizontalFlip", "RandomRotation", "RandomVerticalFlip", "Resize", "ToDtype", "ToImage",
    "ToPILImage", "functional",
]


class ToImage:
    """A PIL image (or a tensor, unchanged) as a (C, H, W) tensor of its own pixel type; pair with ``ToDtype``."""

    def __call__(self, picture: Any) -> Any:
        return picture if isinstance(picture, Tensor) else pil_to_tensor(picture)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
