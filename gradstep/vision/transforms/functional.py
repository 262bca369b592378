"""The image operations behind ``gradstep.vision.transforms``, as torchvision defines them.

Each works on a PIL image (where torchvision itself calls PIL, so does this) or on a tensor
image of shape (..., C, H, W). Tensor images are computed in NumPy, following torchvision's
tensor code step for step, so the numbers agree with torchvision's.

>>> import numpy as np
>>> from PIL import Image
>>> image = Image.fromarray(np.full((2, 3), 255, dtype=np.uint8))
>>> to_tensor(image)
tensor([[[1., 1., 1.],
         [1., 1., 1.]]])
"""
from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from ... import _dtype
from ..._tensor import Tensor
from ...creation import as_tensor, from_numpy

__all__ = [
    "InterpolationMode", "center_crop", "convert_image_dtype", "crop", "get_dimensions", "hflip", "normalize", "pad",
    "pil_to_tensor", "resize", "rotate", "to_dtype", "to_pil_image", "to_tensor", "vflip",
]


class InterpolationMode(enum.Enum):
    """How a resize or rotation picks values between pixels."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


_PIL_FILTERS = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
}


def _is_pil(image: Any) -> bool:
    return isinstance(image, Image.Image)


def _check_image(image: Any, function: str) -> None:
    if _is_pil(image):
        return
    if not isinstance(image, Tensor):
        raise TypeError(f"{function}(): expected a PIL image or a tensor image, got {type(image).__name__}")
    if image.ndim < 2:
        raise TypeError(f"{function}(): a tensor image needs at least 2 dimensions (..., H, W), got shape {tuple(image.shape)}")


def _array(image: Tensor) -> np.ndarray:
    return image.detach().numpy()


def _same_kind(array: np.ndarray) -> Tensor:
    return from_numpy(np.ascontiguousarray(array))


def get_dimensions(image: Any) -> list[int]:
    """[channels, height, width] of a PIL or tensor image."""
    _check_image(image, "get_dimensions")
    if _is_pil(image):
        return [len(image.getbands()), image.height, image.width]
    channels = image.shape[-3] if image.ndim > 2 else 1
    return [channels, image.shape[-2], image.shape[-1]]


# ---- conversions ---------------------------------------------------------------------------------
_PIL_INTEGER_MODES = {"I": np.int32, "I;16": np.int16, "F": np.float32}


def pil_to_tensor(picture: Image.Image) -> Tensor:
    """A PIL image as a (C, H, W) tensor of its own pixel type (uint8 for 'L' and 'RGB'), values unchanged."""
    if not _is_pil(picture):
        raise TypeError(f"pil_to_tensor(): expected a PIL image, got {type(picture).__name__}")
    pixels = np.array(picture, copy=True)
    return from_numpy(np.ascontiguousarray(pixels.reshape(picture.height, picture.width, -1).transpose(2, 0, 1)))


def to_tensor(picture: Any) -> Tensor:
    """A PIL image or an (H, W, C) NumPy array as a float32 (C, H, W) tensor; 8-bit pixels are scaled to [0, 1].

    Other pixel types (16- and 32-bit integers, floats) keep their values, as in torchvision.
    """
    if isinstance(picture, np.ndarray):
        if picture.ndim not in (2, 3):
            raise ValueError(f"to_tensor(): an array image must be 2-D or 3-D (H, W, C), got {picture.ndim} dimensions")
        pixels = picture[:, :, np.newaxis] if picture.ndim == 2 else picture
    elif _is_pil(picture):
        pixels = np.array(picture, dtype=_PIL_INTEGER_MODES.get(picture.mode, np.uint8), copy=True)
        if picture.mode == "1":
            pixels = pixels * np.uint8(255)
        pixels = pixels.reshape(picture.height, picture.width, -1)
    else:
        raise TypeError(f"to_tensor(): expected a PIL image or a NumPy array, got {type(picture).__name__}")
    channels_first = np.ascontiguousarray(pixels.transpose(2, 0, 1))
    if channels_first.dtype == np.uint8:
        # Divided in float32, as torchvision's img.to(float32).div(255) does.
        return from_numpy(np.divide(channels_first, np.float32(255), dtype=np.float32))
    return as_tensor(channels_first)


def to_pil_image(image: Any, mode: str | None = None) -> Image.Image:
    """A (C, H, W) tensor or (H, W, C) array as a PIL image; float values in [0, 1] become 0..255."""
    if isinstance(image, Tensor):
        if image.ndim not in (2, 3):
            raise ValueError(f"to_pil_image(): expected a 2-D or 3-D tensor image, got shape {tuple(image.shape)}")
        array = _array(image)
        array = array[np.newaxis] if array.ndim == 2 else array
        if array.dtype.kind == "f" and mode != "F":
            array = (array * 255).astype(np.uint8)  # truncates, as torchvision's pic.mul(255).byte()
        array = array.transpose(1, 2, 0)
    elif isinstance(image, np.ndarray):
        array = image[:, :, np.newaxis] if image.ndim == 2 else image
    else:
        raise TypeError(f"to_pil_image(): expected a tensor or a NumPy array, got {type(image).__name__}")
    if array.shape[2] == 1:
        array = array[:, :, 0]
    return Image.fromarray(array, mode=mode)


def convert_image_dtype(image: Tensor, dtype: Any = _dtype.float32) -> Tensor:
    """Change an image's dtype and rescale its values to the new type's range (uint8 0..255 ↔ float 0..1)."""
    if not isinstance(image, Tensor):
        raise TypeError(f"convert_image_dtype(): expected a tensor image, got {type(image).__name__}")
    target = _dtype.to_dtype(dtype)
    if image.dtype is target:
        return image
    source = _array(image)
    if image.dtype.is_floating_point:
        if target.is_floating_point:
            return image.to(target)
        if (image.dtype is _dtype.float32 and target in (_dtype.int32, _dtype.int64)) or (
            image.dtype is _dtype.float64 and target is _dtype.int64
        ):
            raise RuntimeError(f"The cast from {image.dtype} to {target} cannot be performed safely.")
        # Scaling by max + 1 - ε spreads [0, 1] evenly over the integers (torchvision's choice).
        return _same_kind((source * (_max_value(target) + 1.0 - 1e-3)).astype(target.numpy))
    input_max = _max_value(image.dtype)
    if target.is_floating_point:
        return _same_kind(source.astype(target.numpy) / target.numpy.type(input_max))
    output_max = _max_value(target)
    if input_max > output_max:
        return _same_kind((source // ((input_max + 1) // (output_max + 1))).astype(target.numpy))
    return _same_kind(source.astype(target.numpy) * ((output_max + 1) // (input_max + 1)))


def to_dtype(image: Tensor, dtype: Any = _dtype.float32, scale: bool = False) -> Tensor:
    """``transforms.v2.functional.to_dtype``: change the dtype, rescaling values when ``scale`` is True.

    With ``scale``, integers become floats by multiplying with 1/max (v2's rule; v1's
    ``convert_image_dtype`` divides by max, which can differ in the last bit).
    """
    target = _dtype.to_dtype(dtype)
    if not scale or image.dtype is target:
        return image.to(target)
    if not image.dtype.is_floating_point and target.is_floating_point:
        return _same_kind(_array(image).astype(target.numpy) * target.numpy.type(1.0 / _max_value(image.dtype)))
    return convert_image_dtype(image, target)


def _max_value(dtype: _dtype.dtype) -> int:
    return 1 if dtype is _dtype.bool_ else int(np.iinfo(dtype.numpy).max)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """(image − mean) / std per channel; keeps the graph, so it can sit inside a model too."""
    if not isinstance(tensor, Tensor) or not tensor.dtype.is_floating_point:
        raise TypeError(
            f"normalize(): expected a floating point tensor image, got "
            f"{tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__} (use ToTensor() first)"
        )
    if tensor.ndim < 3:
        raise ValueError(f"normalize(): expected a tensor image of shape (..., C, H, W), got shape {tuple(tensor.shape)}")
    mean_array = np.asarray(mean, dtype=tensor.dtype.numpy).reshape(-1, 1, 1)
    std_array = np.asarray(std, dtype=tensor.dtype.numpy).reshape(-1, 1, 1)
    if (std_array == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    result = (tensor - from_numpy(mean_array)) / from_numpy(std_array)
    return tensor.copy_(result) if inplace else result


# ---- geometry ------------------------------------------------------------------------------------
def _resized_size(height: int, width: int, size: int | Sequence[int], max_size: int | None) -> tuple[int, int]:
    """torchvision's rule: one number sets the shorter edge (keeping the aspect ratio), two set (h, w)."""
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    requested = int(size if not isinstance(size, Sequence) else size[0])
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    return new_height, new_width


def _antialiased_weights(in_size: int, out_size: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Each output pixel's source pixels and weights: PIL's and PyTorch's antialiased bilinear filter.

    The triangle filter 1 − |x| is widened by the scale when shrinking, so every source
    pixel contributes; the weights of an output pixel are normalised to sum to 1. Computed
    in the image's own precision, as PyTorch does, so the results agree to the last bit.
    """
    one, half = dtype.type(1), dtype.type(0.5)
    scale = dtype.type(in_size) / dtype.type(out_size)
    support = scale if scale >= one else one
    inverse = one / scale if scale >= one else one
    centers = scale * (np.arange(out_size, dtype=dtype) + half)
    starts = np.maximum((centers - support + half).astype(np.int64), 0)
    stops = np.minimum((centers + support + half).astype(np.int64), in_size)
    taps = starts[:, np.newaxis] + np.arange(int((stops - starts).max()))
    distance = np.abs((taps.astype(dtype) - centers[:, np.newaxis] + half) * inverse)
    weights = np.where((distance < one) & (taps < stops[:, np.newaxis]), one - distance, dtype.type(0)).astype(dtype)
    weights /= np.cumsum(weights, axis=1, dtype=dtype)[:, -1:]  # the total, added up in order
    return np.minimum(taps, in_size - 1), weights


def _resample(array: np.ndarray, axis: int, out_size: int, mode: InterpolationMode) -> np.ndarray:
    in_size = array.shape[axis]
    if mode is InterpolationMode.NEAREST:
        scale = np.float32(in_size) / np.float32(out_size)  # PyTorch computes the source index in float32
        source = np.minimum(np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64), in_size - 1)
        return np.take(array, source, axis=axis)
    taps, weights = _antialiased_weights(in_size, out_size, array.dtype)
    moved = np.moveaxis(array, axis, -1)
    resampled = moved[..., taps[:, 0]] * weights[:, 0]
    for k in range(1, taps.shape[1]):  # summed tap by tap, in PyTorch's order
        resampled += moved[..., taps[:, k]] * weights[:, k]
    return np.moveaxis(resampled, -1, axis)


def resize(
    image: Any, size: int | Sequence[int], interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    max_size: int | None = None, antialias: bool | None = True,
) -> Any:
    """Resize to ``size``: (h, w), or one number for the shorter edge keeping the aspect ratio."""
    _check_image(image, "resize")
    interpolation = InterpolationMode(interpolation.value if isinstance(interpolation, InterpolationMode) else interpolation)
    _, height, width = get_dimensions(image)
    new_height, new_width = _resized_size(height, width, size, max_size)
    if _is_pil(image):
        return image.resize((new_width, new_height), _PIL_FILTERS[interpolation])
    if interpolation is InterpolationMode.BICUBIC:
        raise NotImplementedError("resize(): bicubic interpolation of tensor images is not implemented; use bilinear or a PIL image")
    if interpolation is InterpolationMode.BILINEAR and antialias is False:
        raise NotImplementedError("resize(): only antialias=True (torchvision's default) is implemented for bilinear")
    array = _array(image)
    working = array if array.dtype in (np.float32, np.float64) else array.astype(np.float32)
    # Width first, then height: PyTorch's order, which decides the last bit of each value.
    resized = _resample(_resample(working, -1, new_width, interpolation), -2, new_height, interpolation)
    if array.dtype.kind in "iu":
        resized = np.round(resized)  # round before the cast back, as torchvision does
    return _same_kind(resized.astype(array.dtype))


def pad(image: Any, padding: int | Sequence[int], fill: float = 0, padding_mode: str = "constant") -> Any:
    """Add ``padding`` pixels around the image: one number for all sides, (left/right, top/bottom) or (l, t, r, b)."""
    _check_image(image, "pad")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"pad(): padding_mode must be constant, edge, reflect or symmetric, got {padding_mode!r}")
    sides = [padding] * 4 if isinstance(padding, int) else list(padding)
    if len(sides) == 1:
        sides = sides * 4
    elif len(sides) == 2:
        sides = sides * 2
    if len(sides) != 4:
        raise ValueError(f"pad(): padding must be an int or a sequence of 1, 2 or 4 ints, got {padding}")
    left, top, right, bottom = (int(s) for s in sides)
    fill_options = {"constant_values": fill} if padding_mode == "constant" else {}
    if _is_pil(image):
        pixels = np.asarray(image)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (pixels.ndim - 2)
        padded = np.pad(pixels, widths, mode=padding_mode, **fill_options)
        result = Image.fromarray(padded, mode=image.mode)
        if image.mode == "P":
            result.putpalette(image.getpalette())
        return result
    array = _array(image)
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    return _same_kind(np.pad(array, widths, mode=padding_mode, **fill_options))


def crop(image: Any, top: int, left: int, height: int, width: int) -> Any:
    """The box of ``height`` × ``width`` pixels at (top, left); parts outside the image are 0."""
    _check_image(image, "crop")
    if _is_pil(image):
        return image.crop((left, top, left + width, top + height))
    _, image_height, image_width = get_dimensions(image)
    array = _array(image)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > image_width or bottom > image_height:
        widths = [(0, 0)] * (array.ndim - 2) + [
            (max(-top, 0), max(bottom - image_height, 0)), (max(-left, 0), max(right - image_width, 0))
        ]
        array = np.pad(array[..., max(top, 0) : bottom, max(left, 0) : right], widths)
        return _same_kind(array)
    return _same_kind(array[..., top:bottom, left:right])


def center_crop(image: Any, output_size: int | Sequence[int]) -> Any:
    """The central ``output_size`` box; a smaller image is first padded with zeros."""
    if isinstance(output_size, (int, float)):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(image)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        image = pad(image, padding, fill=0)
        _, image_height, image_width = get_dimensions(image)
        if crop_width == image_width and crop_height == image_height:
            return image
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(image, top, left, crop_height, crop_width)


def hflip(image: Any) -> Any:
    """Mirror left to right."""
    _check_image(image, "hflip")
    if _is_pil(image):
        return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return _same_kind(_array(image)[..., ::-1])


def vflip(image: Any) -> Any:
    """Mirror top to bottom."""
    _check_image(image, "vflip")
    if _is_pil(image):
        return image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return _same_kind(_array(image)[..., ::-1, :])


def _inverse_rotation_matrix(angle: float, center: Sequence[float]) -> list[float]:
    """The affine map from output to input pixels for a rotation by ``angle`` degrees about ``center``.

    torchvision's _get_inverse_affine_matrix with no translation, scale 1 and no shear.
    """
    rot = math.radians(angle)
    cx, cy = center
    a, b, c, d = math.cos(rot), -math.sin(rot), math.sin(rot), math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix[2] += matrix[0] * -cx + matrix[1] * -cy + cx
    matrix[5] += matrix[3] * -cx + matrix[4] * -cy + cy
    return matrix


def rotate(
    image: Any, angle: float, interpolation: InterpolationMode = InterpolationMode.NEAREST, expand: bool = False,
    center: Sequence[int] | None = None, fill: float | Sequence[float] | None = None,
) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees about the centre (or ``center``); corners get ``fill``."""
    _check_image(image, "rotate")
    interpolation = InterpolationMode(interpolation.value if isinstance(interpolation, InterpolationMode) else interpolation)
    if _is_pil(image):
        fill_color = tuple(fill) if isinstance(fill, Sequence) else fill
        return image.rotate(angle, _PIL_FILTERS[interpolation], expand, center, fillcolor=fill_color)
    if expand:
        raise NotImplementedError("rotate(expand=True) is implemented for PIL images only")
    if interpolation is not InterpolationMode.NEAREST:
        raise NotImplementedError("rotate(): tensor images are rotated with NEAREST interpolation only")
    _, height, width = get_dimensions(image)
    offset = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (width, height))]
    array = _array(image)
    grid_dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)
    theta = np.array(_inverse_rotation_matrix(-angle, offset), dtype=grid_dtype).reshape(2, 3)
    # torchvision's _gen_affine_grid: pixel centres, mapped by theta, in [-1, 1] coordinates of the input.
    xs = np.linspace(-width * 0.5 + 0.5, width * 0.5 - 0.5, width, dtype=grid_dtype)
    ys = np.linspace(-height * 0.5 + 0.5, height * 0.5 - 0.5, height, dtype=grid_dtype)
    base = np.stack(np.broadcast_arrays(xs[np.newaxis, :], ys[:, np.newaxis], np.ones((), grid_dtype)), axis=-1)
    grid = base @ (theta.T / np.array([0.5 * width, 0.5 * height], dtype=grid_dtype))
    # grid_sample, nearest, align_corners=False: back to pixel indices, rounded half to even.
    source_x = np.rint(((grid[..., 0] + 1) * width - 1) / 2).astype(np.int64)
    source_y = np.rint(((grid[..., 1] + 1) * height - 1) / 2).astype(np.int64)
    inside = (source_x >= 0) & (source_x < width) & (source_y >= 0) & (source_y < height)
    rotated = array[..., np.clip(source_y, 0, height - 1), np.clip(source_x, 0, width - 1)]
    if fill is None:
        fill_values = np.zeros((), dtype=array.dtype)
    else:
        fill_values = np.asarray(fill, dtype=grid_dtype).reshape(-1, 1, 1) if isinstance(fill, Sequence) else np.asarray(fill)
    rotated = np.where(inside, rotated, fill_values).astype(array.dtype)
    return _same_kind(rotated)
