"""``gradstep.vision``: torchvision's layout for what beginners use, so that

    import gradstep.vision as torchvision
    from gradstep.vision import datasets, transforms

replace torchvision's imports: ``datasets`` (MNIST, FashionMNIST, ImageFolder), ``transforms``,
``utils`` (make_grid, save_image) and ``io`` (read_image). Images are PIL images or tensors,
as in torchvision; Pillow does the decoding.
"""
from . import datasets, io, transforms, utils

__all__ = ["datasets", "io", "transforms", "utils"]
