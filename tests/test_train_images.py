"""Pictures from disk become 28x28 Fashion-MNIST-like images: grey, light on black."""
import struct
import subprocess
import sys
import zlib

import matplotlib.image
import numpy as np
import pytest

from gradstep.train.images import read_image


def test_a_dark_item_on_white_is_inverted_to_a_light_item_on_black(tmp_path):
    picture = np.ones((56, 56))
    picture[14:42, 14:42] = 0  # a black square in the middle
    matplotlib.image.imsave(tmp_path / "square.png", picture, cmap="gray", vmin=0, vmax=1)
    image = read_image(tmp_path / "square.png")
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image[0, 0] == pytest.approx(0, abs=0.01) and image[14, 14] == pytest.approx(1, abs=0.01)


def test_a_light_item_on_black_is_kept_and_blocks_are_averaged(tmp_path):
    picture = np.zeros((84, 84))
    picture[21:63, 41:63] = 1  # column 41 is one third of the 3-pixel block 39-41 that becomes column 13
    matplotlib.image.imsave(tmp_path / "block.png", picture, cmap="gray", vmin=0, vmax=1)
    image = read_image(tmp_path / "block.png")
    np.testing.assert_allclose(image[14, [0, 13, 14, 20, 21]], [0, 1 / 3, 1, 1, 0], atol=0.01)


def test_colour_transparency_and_any_size_are_handled(tmp_path):
    rgba = np.zeros((10, 17, 4))
    rgba[..., 0] = 1  # pure red where opaque
    rgba[3:7, 5:12, 3] = 1  # opaque only in the middle; the rest is transparent, so white
    matplotlib.image.imsave(tmp_path / "red.png", rgba)
    image = read_image(tmp_path / "red.png")
    assert image.shape == (28, 28)
    # White background inverted to black; red (luminance 0.299) inverted to 0.701.
    assert image[0, 0] == pytest.approx(0, abs=0.01)
    assert image[14, 14] == pytest.approx(1 - 0.299, abs=0.01)


# --- the pixel limit ----------------------------------------------------------------------------

def png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels: enough for a reader that decodes before checking."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def bmp_header(width: int, height: int) -> bytes:
    """A 24-bit BMP that declares its size and holds no pixels."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info), 0, 0, 14 + len(info)) + info


MEASURE = """
import resource, sys
from gradstep.train.images import ImageError, read_image
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_image(sys.argv[1])
except ImageError as error:
    print(error)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.parametrize("name, content", [
    ("huge.png", png_header(20000, 20000)),
    ("huge.bmp", bmp_header(20000, 20000)),
    ("just-over.png", png_header(4097, 4096)),
], ids=["png-20000", "bmp-20000", "png-4097x4096"])
def test_a_picture_over_the_pixel_limit_is_refused_before_decoding(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    result = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path / name)], capture_output=True, text=True,
                            timeout=120)
    message, megabytes = result.stdout.splitlines()
    assert "more than the 16,777,216" in message
    assert message.startswith(str(tmp_path / name))
    assert int(megabytes) < 100  # a decoded 20000x20000 picture would take 400 MB to 1.6 GB


def test_predict_says_so_in_one_line(tmp_path, capsys):
    from gradstep.cli import main
    from gradstep.train import run as run_module

    (tmp_path / "huge.bmp").write_bytes(bmp_header(20000, 20000))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "_draw_pictures", lambda *args: None)
        assert main(["train", "--out", str(tmp_path / "run"), "--train-size", "64", "--epochs", "1",
                     "--log-format", "none"]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "huge.bmp")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "huge.bmp: more than the 16,777,216 pixels gradstep reads" in error


def test_sixteen_bit_grey_keeps_its_range(tmp_path):
    from PIL import Image

    grey = (np.linspace(0, 65535, 56 * 56).reshape(56, 56)).astype(np.uint16)
    Image.fromarray(grey).save(tmp_path / "deep.png")
    image = read_image(tmp_path / "deep.png")
    assert image.max() == pytest.approx(1, abs=0.02) and image.min() == pytest.approx(0, abs=0.02)
