"""MNIST and Fashion-MNIST as map-style datasets, like torchvision's."""

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._tensor import Tensor
from ..creation import from_numpy
from .errors import DatasetError
from .idx import read_idx
from .sources import locate

_LABELS_MAGIC = 2049  # uint8, 1 dimension
_IMAGES_MAGIC = 2051  # uint8, 3 dimensions
IMAGE_SHAPE = (28, 28)
"""Every MNIST and Fashion-MNIST image is 28x28 pixels; files with other sizes are refused."""


class MNIST:
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    `ds[i]` is `(image, label)`: a float32 tensor of shape (1, 28, 28) with pixels
    scaled to [0, 1], and an int. `transform`, if given, receives that image
    tensor; `target_transform` receives the int label.

    The whole split is held in `.data` (uint8, (N, 28, 28)) and `.targets`
    (int64, (N,)); `.classes` names the labels. Where the files are read from
    is explained in `gradstep.datasets.sources`: `root` if given, else the
    cache `cache_dir()/MNIST/`, downloading into it if `download` is true.

    Example:
        >>> train = MNIST(train=True)  # doctest: +SKIP
        >>> image, label = train[0]  # doctest: +SKIP
        >>> tuple(image.shape), label  # doctest: +SKIP
        ((1, 28, 28), 5)
    """

    # Tried in order. Like `resources`, replace it (MNIST.mirrors = [...]) to fetch from elsewhere.
    mirrors: ClassVar[list[str]] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    # sha256 of the published .gz files (torchvision lists only their md5).
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
    classes: ClassVar[list[str]] = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]
    # Whether the package carries these files in gradstep/datasets/files/.
    shipped: ClassVar[bool] = False

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = True,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

        split = "train" if train else "t10k"
        images_path = self._locate(f"{split}-images-idx3-ubyte.gz", root, download)
        labels_path = self._locate(f"{split}-labels-idx1-ubyte.gz", root, download)
        images, labels = _read_split(images_path, labels_path, num_classes=len(self.classes))
        self.data = from_numpy(images)
        self.targets = from_numpy(labels.astype(np.int64))

    def _locate(self, name: str, root: str | os.PathLike[str] | None, download: bool) -> Path:
        return locate(
            name,
            self.resources[name],
            # Like torchvision, the class name is the dataset's folder name.
            dataset=type(self).__name__,
            mirrors=self.mirrors,
            root=root,
            download=download,
            shipped=self.shipped,
        )

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = from_numpy(_to_unit_range(self.data.numpy()[index][np.newaxis]))
        label = int(self.targets.numpy()[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __getitems__(self, indices: Sequence[int]) -> tuple[Tensor, Tensor]:
        """Return a whole batch at once: images (B, 1, 28, 28) float32 in [0, 1] and labels (B,) int64.

        Without transforms this is one NumPy gather and one divide, far faster
        than B calls to `ds[i]`; `DataLoader` uses it when the dataset has it.
        With transforms, each sample goes through `ds[i]` and the results are stacked.

        Example:
            >>> images, labels = FashionMNIST(train=False).__getitems__([0, 1, 2])
            >>> tuple(images.shape), tuple(labels.shape)
            ((3, 1, 28, 28), (3,))
        """
        if self.transform is None and self.target_transform is None:
            rows = np.asarray(indices, dtype=np.intp)
            images = _to_unit_range(self.data.numpy()[rows][:, np.newaxis])
            return from_numpy(images), from_numpy(self.targets.numpy()[rows])
        images, labels = zip(*(self[index] for index in indices))
        return _stack(images), _stack(labels)

    def __repr__(self) -> str:
        root = self.root if self.root is not None else "default (see gradstep.datasets.sources)"
        return (
            f"Dataset {type(self).__name__}\n"
            f"    Number of datapoints: {len(self)}\n"
            f"    Root location: {root}\n"
            f"    Split: {'Train' if self.train else 'Test'}"
        )


class FashionMNIST(MNIST):
    """Fashion-MNIST: 70,000 28x28 grey photos of clothing in 10 classes, a drop-in harder MNIST.

    The files ship with gradstep, so this works offline with no arguments. Same
    interface as `MNIST`; see there.

    Example:
        >>> test = FashionMNIST(train=False)
        >>> image, label = test[0]
        >>> tuple(image.shape), test.classes[label]
        ((1, 28, 28), 'Ankle boot')
    """

    mirrors: ClassVar[list[str]] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
    classes: ClassVar[list[str]] = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    shipped: ClassVar[bool] = True


def _read_split(images_path: Path, labels_path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, magic=_IMAGES_MAGIC, item_shape=IMAGE_SHAPE)
    labels = read_idx(labels_path, magic=_LABELS_MAGIC)
    if len(images) != len(labels):
        raise DatasetError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels"
        )
    out_of_range = np.flatnonzero(labels >= num_classes)
    if out_of_range.size:
        first = out_of_range[0]
        raise DatasetError(
            f"{labels_path}: label {labels[first]} at index {first} is out of range "
            f"(there are {num_classes} classes, so labels must be 0 to {num_classes - 1})"
        )
    return images, labels


def _to_unit_range(pixels: np.ndarray) -> np.ndarray:
    # Divide by 255 exactly as torchvision's ToTensor does, straight into float32.
    return np.divide(pixels, 255, dtype=np.float32)


def _stack(values: Sequence[Any]) -> Tensor:
    arrays = [value.numpy() if isinstance(value, Tensor) else np.asarray(value) for value in values]
    return from_numpy(np.stack(arrays))
