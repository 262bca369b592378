"""gradstep.vision against torchvision's definitions.

torchvision itself cannot be installed here (its wheels on PyPI are built against CUDA), so
each expected value is computed the way torchvision's source computes it: with PIL where
torchvision calls PIL, and with PyTorch's own ops (interpolate, grid_sample, ...) where
torchvision calls those.
"""
import hashlib
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import gradstep
import gradstep.vision as torchvision_like
from gradstep.datasets import write_idx
from gradstep.datasets.sources import SHIPPED_DIR
from gradstep.utils.data import DataLoader, default_collate
from gradstep.vision import datasets, io, transforms, utils
from gradstep.vision.transforms import functional as F

RNG = np.random.default_rng(0)
GREY = Image.fromarray(RNG.integers(0, 256, (23, 37), dtype=np.uint8))
COLOUR = Image.fromarray(RNG.integers(0, 256, (31, 19, 3), dtype=np.uint8))
PICTURES = {"L": GREY, "RGB": COLOUR}


def pixels(picture):
    """(C, H, W) uint8 PyTorch tensor of a PIL image, as torchvision's PILToTensor."""
    array = np.asarray(picture)
    return torch.from_numpy(array.reshape(picture.height, picture.width, -1).transpose(2, 0, 1).copy())


def as_array(value):
    return np.asarray(value) if isinstance(value, Image.Image) else value.detach().numpy()


def test_import_layout_matches_torchvision():
    assert torchvision_like.datasets is datasets and torchvision_like.transforms is transforms
    assert torchvision_like.utils.make_grid is utils.make_grid and torchvision_like.io.read_image is io.read_image
    from gradstep.vision.transforms import v2

    assert v2.ToDtype is transforms.ToDtype


# ---- conversions -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "1", "I", "F"])
def test_to_tensor_matches_torchvisions_definition(mode):
    picture = COLOUR.convert(mode)
    ours = transforms.ToTensor()(picture)
    dtype = {"I": np.int32, "F": np.float32}.get(mode, np.uint8)
    raw = torch.from_numpy(np.array(picture, dtype=dtype)).view(picture.height, picture.width, -1).permute(2, 0, 1)
    if mode == "1":
        raw = 255 * raw
    expected = raw.float().div(255) if raw.dtype == torch.uint8 else raw
    assert ours.dtype == getattr(gradstep, str(expected.dtype).split(".")[-1])
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())


def test_to_tensor_of_arrays_and_pil_to_tensor_match_torchvision():
    array = RNG.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(transforms.ToTensor()(array).numpy(), torch.from_numpy(array).permute(2, 0, 1).float().div(255).numpy())
    floats = RNG.random((5, 4)).astype(np.float64)
    assert transforms.ToTensor()(floats).dtype == gradstep.float64  # not scaled, as in torchvision
    for picture in PICTURES.values():
        ours = transforms.PILToTensor()(picture)
        assert ours.dtype == gradstep.uint8
        np.testing.assert_array_equal(ours.numpy(), pixels(picture).numpy())
    with pytest.raises(TypeError, match="PIL image or a NumPy array"):
        transforms.ToTensor()([1, 2])


@pytest.mark.parametrize("source, target", [("uint8", "float32"), ("float32", "uint8"), ("uint8", "int16"), ("int16", "uint8"), ("float32", "float64")])
def test_convert_image_dtype_matches_torchvisions_definition(source, target):
    values = pixels(COLOUR).to(getattr(torch, source)) if source != "float32" else pixels(COLOUR).float() / 255
    if source == "int16":
        values = pixels(COLOUR).to(torch.int16) * 128
    ours = transforms.ConvertImageDtype(getattr(gradstep, target))(gradstep.tensor(values.numpy()))
    source_max = float(torch.iinfo(values.dtype).max) if not values.is_floating_point() else None
    if values.is_floating_point() and getattr(torch, target).is_floating_point:
        expected = values.to(getattr(torch, target))
    elif values.is_floating_point():
        expected = values.mul(float(torch.iinfo(getattr(torch, target)).max) + 1.0 - 1e-3).to(getattr(torch, target))
    elif getattr(torch, target).is_floating_point:
        expected = values.to(getattr(torch, target)) / source_max
    else:
        target_max = float(torch.iinfo(getattr(torch, target)).max)
        factor = int((source_max + 1) // (target_max + 1)) if source_max > target_max else int((target_max + 1) // (source_max + 1))
        expected = torch.div(values, factor, rounding_mode="floor").to(getattr(torch, target)) if source_max > target_max else values.to(getattr(torch, target)) * factor
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())


def test_v2_to_image_and_to_dtype_scale_with_one_over_max():
    from gradstep.vision.transforms import v2

    ours = v2.Compose([v2.ToImage(), v2.ToDtype(gradstep.float32, scale=True)])(COLOUR)
    expected = pixels(COLOUR).to(torch.float32).mul_(1.0 / 255)
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())
    assert v2.ToDtype(gradstep.float32)(gradstep.tensor([[[3]]], dtype=gradstep.uint8)).tolist() == [[[3.0]]]


def test_normalize_matches_torchvision_and_keeps_the_graph():
    image = transforms.ToTensor()(COLOUR)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    expected = (torch.tensor(image.numpy()) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    np.testing.assert_array_equal(transforms.Normalize(mean, std)(image).numpy(), expected.numpy())
    leaf = gradstep.ones(1, 2, 2, requires_grad=True)
    transforms.Normalize((0.5,), (0.25,))(leaf).sum().backward()
    assert leaf.grad.tolist() == [[[4.0, 4.0], [4.0, 4.0]]]
    with pytest.raises(ValueError, match="division by zero"):
        transforms.Normalize((0.5,), (0.0,))(leaf)
    with pytest.raises(TypeError, match="ToTensor"):
        transforms.Normalize((0.5,), (0.5,))(transforms.PILToTensor()(GREY))


# ---- geometry --------------------------------------------------------------------------------------
def expected_size(height, width, size):
    """torchvision's _compute_resized_output_size: one number is the shorter edge."""
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return tuple(size)
    requested = size if isinstance(size, int) else size[0]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = requested, int(requested * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


SIZES = [10, (12, 50), 64, [7]]


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("kind", PICTURES)
def test_resize_of_pil_images_is_pils_bilinear_resize(kind, size):
    picture = PICTURES[kind]
    height, width = expected_size(picture.height, picture.width, size)
    ours = transforms.Resize(size)(picture)
    assert np.array_equal(np.asarray(ours), np.asarray(picture.resize((width, height), Image.Resampling.BILINEAR)))


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("kind", PICTURES)
def test_resize_of_tensor_images_matches_pytorchs_antialiased_interpolate(kind, size):
    picture = PICTURES[kind]
    height, width = expected_size(picture.height, picture.width, size)
    floats = pixels(picture).float() / 255
    expected = torch.nn.functional.interpolate(floats[None], size=(height, width), mode="bilinear", align_corners=False, antialias=True)[0]
    ours = transforms.Resize(size)(gradstep.tensor(floats.numpy()))
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=0, atol=1e-6)
    as_bytes = transforms.Resize(size)(transforms.PILToTensor()(picture))
    expected_bytes = torch.nn.functional.interpolate(pixels(picture).float()[None], size=(height, width), mode="bilinear", antialias=True)[0]
    assert as_bytes.dtype == gradstep.uint8
    assert np.abs(as_bytes.numpy().astype(int) - expected_bytes.round().numpy().astype(int)).max() <= 1
    nearest = transforms.Resize(size, transforms.InterpolationMode.NEAREST)(transforms.PILToTensor()(picture))
    expected_nearest = torch.nn.functional.interpolate(pixels(picture)[None].float(), size=(height, width), mode="nearest")[0]
    np.testing.assert_array_equal(nearest.numpy(), expected_nearest.to(torch.uint8).numpy())


def center_crop_reference(image, crop_height, crop_width):
    """torchvision's center_crop on a (C, H, W) PyTorch tensor: pad with zeros if needed, then slice."""
    height, width = image.shape[-2:]
    if crop_width > width or crop_height > height:
        left, top = (max(crop_width - width, 0)) // 2, (max(crop_height - height, 0)) // 2
        right, bottom = (max(crop_width - width, 0) + 1) // 2, (max(crop_height - height, 0) + 1) // 2
        image = torch.nn.functional.pad(image, (left, right, top, bottom))
        height, width = image.shape[-2:]
    top, left = int(round((height - crop_height) / 2.0)), int(round((width - crop_width) / 2.0))
    return image[..., top : top + crop_height, left : left + crop_width]


@pytest.mark.parametrize("size", [10, (40, 15), 50, (23, 37), (6, 9)], ids=str)
@pytest.mark.parametrize("kind", PICTURES)
def test_center_crop_matches_torchvisions_definition_on_tensors_and_pil(kind, size):
    picture = PICTURES[kind]
    crop_height, crop_width = (size, size) if isinstance(size, int) else size
    expected = center_crop_reference(pixels(picture), crop_height, crop_width)
    np.testing.assert_array_equal(transforms.CenterCrop(size)(transforms.PILToTensor()(picture)).numpy(), expected.numpy())
    from_pil = transforms.CenterCrop(size)(picture)
    assert from_pil.size == (crop_width, crop_height)
    np.testing.assert_array_equal(pixels(from_pil).numpy(), expected.numpy())


def test_random_crop_picks_a_window_of_the_padded_image_repeatably():
    image = transforms.PILToTensor()(COLOUR)
    padded = np.pad(image.numpy(), [(0, 0), (4, 4), (4, 4)])
    crop = transforms.RandomCrop(20, padding=4)
    gradstep.manual_seed(5)
    first = crop(image).numpy()
    windows = {(i, j) for i in range(padded.shape[1] - 19) for j in range(padded.shape[2] - 19)
               if np.array_equal(padded[:, i : i + 20, j : j + 20], first)}
    assert windows, "the crop is not a 20x20 window of the padded image"
    gradstep.manual_seed(5)
    assert np.array_equal(crop(image).numpy(), first)
    gradstep.manual_seed(5)
    assert np.array_equal(pixels(crop(COLOUR)).numpy(), first)  # a PIL image gets the same window
    assert crop(image).shape == (3, 20, 20)
    needed = transforms.RandomCrop((40, 30), pad_if_needed=True)(image)
    assert needed.shape == (3, 40, 30)
    with pytest.raises(ValueError, match="larger than input image size"):
        transforms.RandomCrop(64)(image)


def test_flips_match_torch_flip():
    image = transforms.ToTensor()(COLOUR)
    expected = torch.flip(torch.tensor(image.numpy()), dims=[-1])
    np.testing.assert_array_equal(transforms.RandomHorizontalFlip(p=1.0)(image).numpy(), expected.numpy())
    assert transforms.RandomHorizontalFlip(p=0.0)(image) is image
    np.testing.assert_array_equal(pixels(transforms.RandomHorizontalFlip(p=1.0)(COLOUR)).numpy(), torch.flip(pixels(COLOUR), [-1]).numpy())
    np.testing.assert_array_equal(transforms.RandomVerticalFlip(p=1.0)(image).numpy(), torch.flip(torch.tensor(image.numpy()), [-2]).numpy())
    gradstep.manual_seed(0)
    flipped = sum(transforms.RandomHorizontalFlip()(image) is not image for _ in range(400))
    assert 150 < flipped < 250


def rotate_reference(image, angle, fill):
    """torchvision's tensor rotate: its affine grid (pixel centres, inverse rotation), grid_sample nearest."""
    channels, height, width = image.shape
    rot = math.radians(-angle)
    matrix = [math.cos(rot), math.sin(rot), 0.0, -math.sin(rot), math.cos(rot), 0.0]
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, height, width, 3)
    base[..., 0].copy_(torch.linspace(-width * 0.5 + 0.5, width * 0.5 - 0.5, steps=width))
    base[..., 1].copy_(torch.linspace(-height * 0.5 + 0.5, height * 0.5 - 0.5, steps=height).unsqueeze(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, height * width, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * width, 0.5 * height]))
    with_mask = torch.cat((image.float()[None], torch.ones(1, 1, height, width)), dim=1)
    sampled = torch.nn.functional.grid_sample(with_mask, grid.view(1, height, width, 2), mode="nearest", padding_mode="zeros", align_corners=False)
    rotated, mask = sampled[:, :-1], sampled[:, -1:].expand(1, channels, height, width)
    rotated[mask < 0.5] = torch.tensor([float(fill)] * channels).view(1, channels, 1, 1).expand_as(rotated)[mask < 0.5]
    return rotated[0].round().to(image.dtype)


@pytest.mark.parametrize("angle", [30.0, -45.0, 90.0, 12.5, 180.0])
@pytest.mark.parametrize("kind", PICTURES)
def test_random_rotation_by_a_fixed_angle_matches_torchvisions_definition(kind, angle):
    picture = PICTURES[kind]
    rotation = transforms.RandomRotation((angle, angle), fill=7)
    np.testing.assert_array_equal(rotation(transforms.PILToTensor()(picture)).numpy(), rotate_reference(pixels(picture), angle, 7).numpy())
    expected_pil = picture.rotate(angle, Image.Resampling.NEAREST, False, None, fillcolor=7)
    assert np.array_equal(np.asarray(rotation(picture)), np.asarray(expected_pil))


def test_random_rotation_draws_angles_in_its_range():
    image = gradstep.ones(1, 9, 9)
    gradstep.manual_seed(1)
    angles = [transforms.RandomRotation(10).get_params([-10.0, 10.0]) for _ in range(200)]
    assert min(angles) >= -10 and max(angles) <= 10 and max(angles) - min(angles) > 15
    assert transforms.RandomRotation(10)(image).shape == (1, 9, 9)


def test_compose_lambda_and_reprs_match_torchvision():
    pipeline = transforms.Compose([
        transforms.Resize(14), transforms.CenterCrop(12), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,)),
        transforms.Lambda(lambda x: x * 2),
    ])
    assert repr(pipeline) == (
        "Compose(\n    Resize(size=14, interpolation=bilinear, max_size=None, antialias=True)\n    CenterCrop(size=(12, 12))\n"
        "    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n    Lambda()\n)"
    )
    out = pipeline(GREY)
    assert out.shape == (1, 12, 12) and out.dtype == gradstep.float32
    with pytest.raises(TypeError, match="callable"):
        transforms.Lambda(3)


def test_one_hot_target_transform_of_the_quickstart():
    one_hot = transforms.Lambda(lambda y: gradstep.zeros(10, dtype=gradstep.float).scatter_(0, gradstep.tensor(y), value=1))
    theirs = torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(3), value=1)
    assert one_hot(3).tolist() == theirs.tolist()


# ---- utils and io ------------------------------------------------------------------------------------
def make_grid_reference(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid, step by step, on PyTorch tensors."""
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize:
        tensor = tensor.clone()
        for t in (tensor if scale_each else [tensor]):
            low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
            t.clamp_(min=low, max=high).sub_(low).div_(max(high - low, 1e-5))
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    count = tensor.size(0)
    columns = min(nrow, count)
    rows = int(math.ceil(float(count) / columns))
    height, width = tensor.size(2) + padding, tensor.size(3) + padding
    grid = tensor.new_full((tensor.size(1), height * rows + padding, width * columns + padding), pad_value)
    for k in range(count):
        y, x = divmod(k, columns)
        grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding, width - padding).copy_(tensor[k])
    return grid


@pytest.mark.parametrize(
    "options",
    [{}, {"nrow": 3}, {"padding": 0}, {"normalize": True, "padding": 1, "pad_value": 0.5},
     {"normalize": True, "scale_each": True, "value_range": (0.2, 0.8)}],
    ids=str,
)
def test_make_grid_matches_torchvisions_definition(options):
    batch = RNG.random((7, 1, 5, 6)).astype(np.float32) * 3 - 1
    ours = utils.make_grid(gradstep.tensor(batch), **options)
    np.testing.assert_allclose(ours.numpy(), make_grid_reference(torch.tensor(batch), **options).numpy(), rtol=1e-6)
    single = utils.make_grid(gradstep.tensor(batch[0]))
    np.testing.assert_array_equal(single.numpy(), make_grid_reference(torch.tensor(batch[0])).numpy())
    as_list = utils.make_grid([gradstep.tensor(b) for b in batch], nrow=3)
    np.testing.assert_array_equal(as_list.numpy(), make_grid_reference(torch.tensor(batch), nrow=3).numpy())


def test_save_image_rounds_to_the_nearest_level_and_writes_atomically(tmp_path):
    batch = RNG.random((4, 3, 5, 6)).astype(np.float32)
    utils.save_image(gradstep.tensor(batch), tmp_path / "grid.png", nrow=2)
    grid = make_grid_reference(torch.tensor(batch), nrow=2)
    expected = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "grid.png")), expected)
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]  # no temporary file left behind
    with pytest.raises(ValueError, match="format"):
        utils.save_image(gradstep.tensor(batch), tmp_path / "grid.unknown")


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P"])
def test_read_image_gives_the_stored_channels_as_uint8(tmp_path, mode):
    picture = COLOUR.convert(mode)
    path = tmp_path / "picture.png"
    picture.save(path)
    ours = io.read_image(path)
    expanded = picture.convert("RGB") if mode == "P" else picture
    assert ours.dtype == gradstep.uint8
    np.testing.assert_array_equal(ours.numpy(), pixels(expanded).numpy())
    assert io.read_image(str(path), io.ImageReadMode.RGB).shape == (3, 31, 19)
    assert io.read_image(path, "GRAY").shape == (1, 31, 19)
    assert io.read_image(path, io.ImageReadMode.RGB_ALPHA).shape == (4, 31, 19)


def test_read_image_reports_bad_files_by_name(tmp_path, monkeypatch):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_bytes(b"hello")
    with pytest.raises(ValueError, match="notes.png: cannot read it as an image"):
        io.read_image(not_an_image)
    with pytest.raises(FileNotFoundError, match="missing.png"):
        io.read_image(tmp_path / "missing.png")
    big = tmp_path / "big.png"
    Image.new("L", (200, 100)).save(big)
    monkeypatch.setattr(io, "MAX_PIXELS", 10_000)
    with pytest.raises(ValueError, match="200 x 100 pixels, more than the 10000"):
        io.read_image(big)


# ---- datasets ----------------------------------------------------------------------------------------
def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_fashion_mnist_copies_the_shipped_files_into_torchvisions_layout_and_says_so(tmp_path, capsys):
    test = datasets.FashionMNIST(root=str(tmp_path), train=False, download=True)
    said = capsys.readouterr().out
    raw = tmp_path / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(datasets.FashionMNIST.source.resources)  # both splits
    for name in datasets.FashionMNIST.source.resources:
        assert f"Copying {name}" in said and sha256(raw / name) == sha256(SHIPPED_DIR / name)
    again = datasets.FashionMNIST(tmp_path, train=True)  # no download needed any more, nothing said
    assert capsys.readouterr().out == "" and len(again) == 60000 and len(test) == 10000


def test_fashion_mnist_items_and_attributes_are_torchvisions(tmp_path):
    test = datasets.FashionMNIST(tmp_path, False, None, None, True)  # torchvision's positional order
    image, label = test[0]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert type(label) is int and test.classes[label] == "Ankle boot"
    assert test.data.dtype == gradstep.uint8 and test.data.shape == (10000, 28, 28)
    assert test.targets.dtype == gradstep.int64 and test.targets.shape == (10000,)
    assert test.class_to_idx["Bag"] == 8 and test.raw_folder == str(tmp_path / "FashionMNIST" / "raw")
    np.testing.assert_array_equal(np.asarray(image), test.data[0].numpy())
    np.testing.assert_array_equal(test.data.numpy(), gradstep.datasets.FashionMNIST(train=False).data.numpy())


def test_transforms_apply_to_items_and_batches_are_the_same_sample_by_sample(tmp_path):
    for transform in (transforms.ToTensor(), transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])):
        test = datasets.FashionMNIST(tmp_path, train=False, download=True, transform=transform,
                                     target_transform=None)
        image, label = test[3]
        assert image.shape == (1, 28, 28) and image.dtype == gradstep.float32
        indices = [9, 0, 4242, 3]
        batch = test.__getitems__(indices)
        one_by_one = default_collate([test[i] for i in indices])
        np.testing.assert_array_equal(batch[0].numpy(), one_by_one[0].numpy())
        np.testing.assert_array_equal(batch[1].numpy(), one_by_one[1].numpy())
        images, labels = next(iter(DataLoader(test, batch_size=64, shuffle=True)))
        assert images.shape == (64, 1, 28, 28) and labels.dtype == gradstep.int64
    flipped = datasets.FashionMNIST(tmp_path, train=False, transform=transforms.Compose([transforms.RandomHorizontalFlip(1.0), transforms.ToTensor()]),
                                    target_transform=lambda y: y + 100)
    image, label = flipped[0]
    assert label == 109
    np.testing.assert_array_equal(image.numpy()[0], test.data[0].numpy()[:, ::-1] / np.float32(255))
    images, labels = flipped.__getitems__([0, 1])  # not batchable in one step: sample by sample
    assert images.shape == (2, 1, 28, 28) and labels.tolist() == [109, 102]


def test_dataset_repr_follows_torchvision(tmp_path):
    train = datasets.FashionMNIST(root=str(tmp_path), train=True, download=True, transform=transforms.ToTensor(),
                                  target_transform=transforms.Lambda(lambda y: y))
    assert repr(train) == (
        f"Dataset FashionMNIST\n    Number of datapoints: 60000\n    Root location: {tmp_path}\n    Split: Train\n"
        "    StandardTransform\nTransform: ToTensor()\nTarget transform: Lambda()".replace("\nTransform", "\n    Transform").replace(
            "\nTarget", "\n    Target")
    )


def test_missing_files_without_download_say_how_to_get_them(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True"):
        datasets.FashionMNIST(tmp_path, train=False)
    assert not (tmp_path / "FashionMNIST").exists()  # nothing written without download=True


def test_mnist_reads_files_the_user_put_in_torchvisions_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = RNG.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = (np.arange(12) % 10).astype(np.uint8)
    write_idx(raw / "t10k-images-idx3-ubyte", images)  # uncompressed, as torchvision leaves them
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", labels)
    digits = datasets.MNIST(str(tmp_path), train=False, transform=transforms.PILToTensor())
    assert len(digits) == 12 and digits.classes[3] == "3 - three"
    image, label = digits[5]
    np.testing.assert_array_equal(image.numpy()[0], images[5])
    assert label == 5


def make_folder(root):
    for name, count in (("dog", 2), ("cat", 3)):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(count):
            Image.fromarray(np.full((4 + i, 5, 3), 40 * i, dtype=np.uint8)).save(folder / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image")


def test_image_folder_lists_classes_and_samples_as_torchvision_does(tmp_path):
    make_folder(tmp_path)
    folder = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())
    assert folder.classes == ["cat", "dog"] and folder.class_to_idx == {"cat": 0, "dog": 1}
    assert [Path(p).relative_to(tmp_path).as_posix() for p, _ in folder.samples] == ["cat/0.png", "cat/1.png", "cat/2.png", "dog/0.png", "dog/1.png"]
    assert folder.targets == [0, 0, 0, 1, 1] and folder.imgs == folder.samples and len(folder) == 5
    image, label = folder[4]
    assert image.shape == (3, 5, 5) and label == 1
    raw, _ = datasets.ImageFolder(tmp_path)[0]
    assert isinstance(raw, Image.Image) and raw.mode == "RGB"


def test_image_folder_errors_name_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 0
