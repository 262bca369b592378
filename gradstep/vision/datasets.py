"""``gradstep.vision.datasets``: torchvision's datasets for beginners, with torchvision's signatures.

``MNIST`` and ``FashionMNIST`` read their files through ``gradstep.datasets`` (one IDX reader,
one set of checksums and mirrors) and hand out what torchvision hands out: ``(PIL image, int)``,
or whatever ``transform`` makes of the image. Files live where torchvision keeps them,
``root/FashionMNIST/raw/``. When they are missing there and ``download=True``, Fashion-MNIST
is copied from the copy shipped inside gradstep (checked by sha256) and MNIST is downloaded;
either way a line says what is written where.

>>> import tempfile
>>> from gradstep.vision import datasets, transforms
>>> test = datasets.FashionMNIST(tempfile.mkdtemp(), train=False, download=True, transform=transforms.ToTensor())  # doctest: +ELLIPSIS
Copying train-images-idx3-ubyte.gz from gradstep's own copy of FashionMNIST to ...
...
>>> image, label = test[0]
>>> tuple(image.shape), test.classes[label]
((1, 28, 28), 'Ankle boot')

``ImageFolder`` reads a folder with one sub-folder of images per class.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .. import datasets as gradstep_datasets
from ..datasets.sources import locate
from .._tensor import Tensor
from ..utils.data import Dataset
from ..creation import from_numpy
from ..utils.data import default_collate
from .io import open_image
from .transforms import Compose, Normalize, ToTensor
from .transforms.functional import to_tensor

__all__ = ["DatasetFolder", "FashionMNIST", "ImageFolder", "MNIST", "VisionDataset"]


class StandardTransform:
    """A dataset's ``transform`` and ``target_transform`` as one, printed as torchvision prints it."""

    def __init__(self, transform: Callable | None = None, target_transform: Callable | None = None) -> None:
        self.transform, self.target_transform = transform, target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def __repr__(self) -> str:
        body = [type(self).__name__]
        for transform, head in ((self.transform, "Transform: "), (self.target_transform, "Target transform: ")):
            if transform is not None:
                lines = repr(transform).splitlines()
                body += [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base of the vision datasets: ``root``, ``transform``, ``target_transform`` and torchvision's print."""

    def __init__(self, root: str | os.PathLike | None, transform: Callable | None = None, target_transform: Callable | None = None) -> None:
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        self.transform, self.target_transform = transform, target_transform
        has_transforms = transform is not None or target_transform is not None
        self.transforms = StandardTransform(transform, target_transform) if has_transforms else None

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body += repr(self.transforms).splitlines()
        return "\n".join([f"Dataset {type(self).__name__}", *("    " + line for line in body)])


class MNIST(VisionDataset):
    """The MNIST digits as torchvision has them: ``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.

    ``ds[i]`` is ``(image, label)``: a 28x28 greyscale PIL image and an int, each passed
    through its transform when one is given (``transforms.ToTensor()`` makes the image a
    float32 (1, 28, 28) tensor in [0, 1]). ``.data`` holds all images (uint8, (N, 28, 28)),
    ``.targets`` all labels (int64, (N,)).
    """

    source = gradstep_datasets.MNIST  # where the file names, checksums, mirrors and class names come from

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        self.classes = list(self.source.classes)
        self.data, self.targets = self._load(download)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.classes)}

    def _load(self, download: bool) -> tuple[Tensor, Tensor]:
        raw = Path(self.raw_folder)
        split = "train" if self.train else "t10k"
        needed = [f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"]
        if download:
            self.download()
        elif not all(self._has(name) for name in needed):
            missing = ", ".join(name for name in needed if not self._has(name))
            raise RuntimeError(
                f"Dataset not found. You can use download=True to download it (looked for {missing} in {raw}, with and without .gz)"
            )
        files = self.source(root=raw, train=self.train, download=False)
        return files.data, files.targets

    def _has(self, name: str) -> bool:
        raw = Path(self.raw_folder)
        return (raw / name).is_file() or (raw / name.removesuffix(".gz")).is_file()

    def download(self) -> None:
        """Fetch the four files (both splits, as torchvision does) into ``raw_folder``, saying so for each."""
        origin = f"gradstep's own copy of {type(self).__name__}" if self.source.shipped else "the web"
        for name, sha256 in self.source.resources.items():
            if self._has(name):
                continue
            print(f"Copying {name} from {origin} to {self.raw_folder}")  # never written silently
            locate(
                name, sha256, dataset=type(self).__name__, mirrors=self.source.mirrors, root=self.raw_folder,
                download=True, shipped=self.source.shipped,
            )

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = Image.fromarray(self.data.numpy()[index])  # uint8 (28, 28): a greyscale ('L') picture
        target = int(self.targets.numpy()[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __getitems__(self, indices: Sequence[int]) -> Any:
        """A whole batch, as ``DataLoader`` collates it: ``(images, labels)``.

        When the transform is ``ToTensor()`` followed by any ``Normalize``, the batch is made
        in one NumPy step, with the same numbers as sample by sample (many times faster than
        a PIL image per sample); otherwise each sample goes through ``ds[i]``.
        """
        normalizations = _after_to_tensor(self.transform)
        if normalizations is None or self.target_transform is not None:
            return default_collate([self[int(index)] for index in indices])
        rows = np.asarray(indices, dtype=np.intp)
        images = to_tensor(self.data.numpy()[rows].transpose(1, 2, 0)).unsqueeze(1)  # (H, W, B) → (B, 1, H, W)
        for normalization in normalizations:
            images = normalization(images)
        return images, from_numpy(self.targets.numpy()[rows])

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


def _after_to_tensor(transform: Any) -> list[Normalize] | None:
    """The Normalize steps after a leading ToTensor, when that is all ``transform`` does; else None."""
    steps = transform.transforms if type(transform) is Compose else [transform]
    if not steps or type(steps[0]) is not ToTensor or any(type(step) is not Normalize for step in steps[1:]):
        return None
    return steps[1:]


class FashionMNIST(MNIST):
    """Fashion-MNIST as torchvision has it: same interface as ``MNIST``; shipped with gradstep, so no download is needed."""

    source = gradstep_datasets.FashionMNIST


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path: str) -> Image.Image:
    """Open an image file as an RGB PIL image (torchvision's default loader)."""
    with open_image(path) as image:
        return image.convert("RGB")


class DatasetFolder(VisionDataset):
    """Samples from ``root/<class>/**/<file>``: the class is the sub-folder's name, classes sorted alphabetically."""

    def __init__(
        self,
        root: str | os.PathLike,
        loader: Callable[[str], Any],
        extensions: Sequence[str] | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(root, transform, target_transform)
        if (extensions is None) == (is_valid_file is None):
            raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
        self.classes, self.class_to_idx = self.find_classes(str(self.root))
        if is_valid_file is None:
            lowered = tuple(e.lower() for e in extensions)
            is_valid_file = lambda path: path.lower().endswith(lowered)  # noqa: E731
        self.samples = self._make_dataset(is_valid_file, allow_empty, extensions)
        self.loader, self.extensions = loader, extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def find_classes(directory: str) -> tuple[list[str], dict[str, int]]:
        """The sub-folder names, sorted, and the index of each."""
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"{directory}: no such folder")
        classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
        if not classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
        return classes, {name: index for index, name in enumerate(classes)}

    def _make_dataset(self, is_valid_file: Callable[[str], bool], allow_empty: bool, extensions: Any) -> list[tuple[str, int]]:
        samples, empty = [], []
        for name in self.classes:
            found = [
                (os.path.join(folder, file), self.class_to_idx[name])
                for folder, _, files in sorted(os.walk(os.path.join(self.root, name), followlinks=True))
                for file in sorted(files)
                if is_valid_file(os.path.join(folder, file))
            ]
            if not found:
                empty.append(name)
            samples += found
        if empty and not allow_empty:
            message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
            if extensions is not None:
                message += f"Supported extensions are: {', '.join(extensions) if not isinstance(extensions, str) else extensions}"
            raise FileNotFoundError(message)
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/<file>``, e.g. ``root/cat/1.png`` and ``root/dog/7.jpg``; items are ``(RGB PIL image, class index)``."""

    def __init__(
        self,
        root: str | os.PathLike,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        loader: Callable[[str], Any] = pil_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(
            root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform, target_transform,
            is_valid_file, allow_empty,
        )
        self.imgs = self.samples
