"""A stand-in for torchvision on the PyTorch side of the program tests, written from torchvision's definitions.

torchvision's wheels on PyPI are built against CUDA and cannot be imported next to the CPU
build of PyTorch this project pins, so the programs' PyTorch runs get these few pieces
instead: FashionMNIST (read from torchvision's folder layout with NumPy, not with gradstep's
reader), ToTensor, Normalize, Compose and Lambda, each as torchvision's source defines it.
"""
import gzip
import os
import shutil
import types

import numpy as np
import torch
from PIL import Image

from gradstep.datasets.sources import SHIPPED_DIR


class FashionMNIST(torch.utils.data.Dataset):
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        raw = os.path.join(root, "FashionMNIST", "raw")
        prefix = "train" if train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"]
        if download:
            os.makedirs(raw, exist_ok=True)
            for name in names:
                if not os.path.exists(os.path.join(raw, name)):
                    shutil.copy(SHIPPED_DIR / name, os.path.join(raw, name))
        with gzip.open(os.path.join(raw, names[0])) as file:
            self.data = torch.from_numpy(np.frombuffer(file.read(), np.uint8, offset=16).reshape(-1, 28, 28).copy())
        with gzip.open(os.path.join(raw, names[1])) as file:
            self.targets = torch.from_numpy(np.frombuffer(file.read(), np.uint8, offset=8).astype(np.int64))
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image, target = Image.fromarray(self.data[index].numpy()), int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target


class ToTensor:
    def __call__(self, picture):
        image = torch.from_numpy(np.array(picture, np.uint8, copy=True)).view(picture.size[1], picture.size[0], -1)
        return image.permute((2, 0, 1)).contiguous().to(dtype=torch.get_default_dtype()).div(255)


class Normalize:
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return tensor.clone().sub_(mean).div_(std)


class Compose:
    def __init__(self, steps):
        self.steps = steps

    def __call__(self, image):
        for step in self.steps:
            image = step(image)
        return image


class Lambda:
    def __init__(self, function):
        self.function = function

    def __call__(self, value):
        return self.function(value)


datasets = types.SimpleNamespace(FashionMNIST=FashionMNIST)
transforms = types.SimpleNamespace(ToTensor=ToTensor, Normalize=Normalize, Compose=Compose, Lambda=Lambda)
