"""``gradstep.vision.transforms``: torchvision's transforms for images, as callable objects.

A transform is applied to each sample as a dataset hands it out; ``Compose`` chains them:

>>> from gradstep.vision import transforms
>>> preprocess = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
>>> preprocess
Compose(
    ToTensor()
    Normalize(mean=(0.5,), std=(0.5,))
)

The random ones (``RandomCrop``, ``RandomHorizontalFlip``, ``RandomRotation``) draw from
gradstep's generator, so ``gradstep.manual_seed`` makes them repeatable.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ... import _dtype
from ...creation import rand, randint
from . import functional as F
from .functional import InterpolationMode

__all__ = [
    "CenterCrop", "Compose", "ConvertImageDtype", "InterpolationMode", "Lambda", "Normalize", "PILToTensor",
    "RandomCrop", "RandomHorizontalFlip", "RandomRotation", "RandomVerticalFlip", "Resize", "ToDtype", "ToPILImage",
    "ToTensor", "functional",
]
functional = F


class Compose:
    """Apply ``transforms`` one after another."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class Lambda:
    """Wrap any function as a transform, e.g. ``Lambda(lambda y: one_hot(y))``."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, image: Any) -> Any:
        return self.lambd(image)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToTensor:
    """PIL image or (H, W, C) array → float32 (C, H, W) tensor, 8-bit pixels scaled to [0, 1]."""

    def __call__(self, picture: Any) -> Any:
        return F.to_tensor(picture)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PILToTensor:
    """PIL image → (C, H, W) tensor of the same pixel values and type (uint8 for 'L' and 'RGB')."""

    def __call__(self, picture: Any) -> Any:
        return F.pil_to_tensor(picture)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    """(C, H, W) tensor or (H, W, C) array → PIL image."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, picture: Any) -> Any:
        return F.to_pil_image(picture, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if self.mode is None else f"{type(self).__name__}(mode={self.mode})"


class ConvertImageDtype:
    """Change a tensor image's dtype, rescaling values to the new range (uint8 0..255 ↔ float 0..1)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = _dtype.to_dtype(dtype)

    def __call__(self, image: Any) -> Any:
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToDtype:
    """torchvision's v2 ``ToDtype(dtype, scale=False)``: change the dtype, rescaling values when ``scale``."""

    def __init__(self, dtype: Any, scale: bool = False) -> None:
        self.dtype = _dtype.to_dtype(dtype)
        self.scale = scale

    def __call__(self, image: Any) -> Any:
        return F.to_dtype(image, self.dtype, self.scale)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scale={self.scale})"


class Normalize:
    """(image − mean) / std per channel, e.g. ``Normalize((0.5,), (0.5,))`` maps [0, 1] to [−1, 1]."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor: Any) -> Any:
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


def _pair(size: int | Sequence[int], what: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{what} should be an int or a sequence of one or two ints (h, w), got {size!r}")


class Resize:
    """Resize to ``size`` (h, w), or make the shorter edge ``size`` keeping the aspect ratio."""

    def __init__(
        self, size: int | Sequence[int], interpolation: InterpolationMode = InterpolationMode.BILINEAR,
        max_size: int | None = None, antialias: bool | None = True,
    ) -> None:
        if not isinstance(size, (int, Sequence)) or (isinstance(size, Sequence) and len(size) not in (1, 2)):
            raise TypeError(f"Size should be int or sequence of length 1 or 2. Got {size!r}")
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, image: Any) -> Any:
        return F.resize(image, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
            f"max_size={self.max_size}, antialias={self.antialias})"
        )


class CenterCrop:
    """The central box of ``size`` (h, w) or ``size`` × ``size`` pixels."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _pair(size, "size")

    def __call__(self, image: Any) -> Any:
        return F.center_crop(image, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """A box of ``size`` at a random position, after optional ``padding``."""

    def __init__(
        self, size: int | Sequence[int], padding: int | Sequence[int] | None = None, pad_if_needed: bool = False,
        fill: float = 0, padding_mode: str = "constant",
    ) -> None:
        self.size = _pair(size, "size")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(image: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random crop, drawn as torchvision draws it."""
        _, height, width = F.get_dimensions(image)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"Required crop size {(crop_height, crop_width)} is larger than input image size {(height, width)}")
        if width == crop_width and height == crop_height:
            return 0, 0, height, width
        top = randint(0, height - crop_height + 1, size=(1,)).item()
        left = randint(0, width - crop_width + 1, size=(1,)).item()
        return top, left, crop_height, crop_width

    def __call__(self, image: Any) -> Any:
        if self.padding is not None:
            image = F.pad(image, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(image)
        if self.pad_if_needed and width < self.size[1]:
            image = F.pad(image, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            image = F.pad(image, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(image, *self.get_params(image, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left to right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, image: Any) -> Any:
        return F.hflip(image) if rand(1).item() < self.p else image

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top to bottom with probability ``p``."""

    def __call__(self, image: Any) -> Any:
        return F.vflip(image) if rand(1).item() < self.p else image


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (a range, or ±degrees)."""

    def __init__(
        self, degrees: float | Sequence[float], interpolation: InterpolationMode = InterpolationMode.NEAREST,
        expand: bool = False, center: Sequence[int] | None = None, fill: float | Sequence[float] = 0,
    ) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = (-degrees, degrees)
        elif len(degrees) != 2:
            raise ValueError("If degrees is a sequence, it must be of len 2.")
        self.degrees = [float(d) for d in degrees]
        self.interpolation, self.expand, self.center, self.fill = interpolation, expand, center, fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        low, high = degrees
        return low + (high - low) * rand(1, dtype=_dtype.float32).item()

    def __call__(self, image: Any) -> Any:
        fill = self.fill
        if not F._is_pil(image):
            channels = F.get_dimensions(image)[0]
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]
        return F.rotate(image, self.get_params(self.degrees), self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
            f"expand={self.expand}, fill={self.fill})"
        )
