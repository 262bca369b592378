"""Downloads against a real HTTP server on 127.0.0.1: mirrors, checksums, and no partial files."""

import gzip
import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from gradstep.datasets import MNIST, DatasetError, FashionMNIST, read_idx
from gradstep.datasets import sources
from gradstep.datasets.download import download

from datasets_helpers import idx_bytes, make_split

NAME = "train-labels-idx1-ubyte.gz"


class Mirrors:
    """One local server playing several mirrors; the first part of the path says how each behaves."""

    BEHAVIOURS = ("good", "corrupt", "drop")

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, behaviour: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/{behaviour}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mirrors = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                mirrors.requests.append(self.path)
                behaviour, _, name = self.path.lstrip("/").partition("/")
                body = mirrors.files.get(name)
                if body is None or behaviour not in Mirrors.BEHAVIOURS:
                    self.send_error(404)
                    return
                if behaviour == "corrupt":
                    body = body[:-1] + bytes([body[-1] ^ 0xFF])
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # "drop" promises the whole file, sends half, and hangs up (HTTP/1.0 closes after each reply).
                self.wfile.write(body[: len(body) // 2] if behaviour == "drop" else body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def gzipped_split(count: int = 30) -> dict[str, bytes]:
    images, labels = make_split(count)
    return {
        "train-images-idx3-ubyte.gz": gzip.compress(idx_bytes(0x08, images.shape, images.tobytes()), mtime=0),
        "train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(0x08, labels.shape, labels.tobytes()), mtime=0),
    }


FILES = gzipped_split()
SHA256 = {name: hashlib.sha256(content).hexdigest() for name, content in FILES.items()}


@pytest.fixture(scope="module")
def server() -> Iterator[Mirrors]:
    server = Mirrors(FILES)
    yield server
    server.close()


@pytest.fixture
def mirrors(server: Mirrors) -> Mirrors:
    server.requests.clear()
    return server


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_download_from_a_good_mirror(tmp_path, mirrors):
    path = download(NAME, SHA256[NAME], [mirrors.url("good")], tmp_path, progress=False)
    assert path == tmp_path / NAME
    assert path.read_bytes() == FILES[NAME]
    assert files_in(tmp_path) == [NAME]


@pytest.mark.parametrize("first", ["corrupt", "drop", "missing"])
def test_a_bad_mirror_is_skipped_for_the_next(tmp_path, mirrors, first):
    path = download(NAME, SHA256[NAME], [mirrors.url(first), mirrors.url("good")], tmp_path, progress=False)
    assert path.read_bytes() == FILES[NAME]
    assert mirrors.requests == [f"/{first}/{NAME}", f"/good/{NAME}"]
    assert files_in(tmp_path) == [NAME]


@pytest.mark.parametrize(
    "behaviour, complaint", [("corrupt", "sha256 mismatch"), ("drop", "connection closed after")]
)
def test_a_failed_download_leaves_no_file(tmp_path, mirrors, behaviour, complaint):
    with pytest.raises(DatasetError, match=complaint) as caught:
        download(NAME, SHA256[NAME], [mirrors.url(behaviour)], tmp_path, progress=False)
    message = str(caught.value)
    assert message.startswith(NAME) and mirrors.url(behaviour) in message
    assert files_in(tmp_path) == []


def test_every_mirror_failing_lists_each_and_says_what_to_do(tmp_path, mirrors):
    unreachable = "http://127.0.0.1:1/"
    with pytest.raises(DatasetError) as caught:
        download(NAME, SHA256[NAME], [unreachable, mirrors.url("missing")], tmp_path, progress=False)
    message = str(caught.value)
    assert unreachable in message and "404" in message
    assert "by hand" in message and "root=" in message
    assert files_in(tmp_path) == []


def test_a_corrupt_download_never_replaces_a_good_file(tmp_path, mirrors):
    (tmp_path / NAME).write_bytes(b"earlier file")
    with pytest.raises(DatasetError):
        download(NAME, SHA256[NAME], [mirrors.url("corrupt")], tmp_path, progress=False)
    assert (tmp_path / NAME).read_bytes() == b"earlier file"


@pytest.fixture
def local_mnist(monkeypatch, mirrors, tmp_path):
    """MNIST pointed at the local mirrors, with the made-up files' checksums and an empty cache."""
    monkeypatch.setattr(MNIST, "resources", SHA256)
    monkeypatch.setattr(MNIST, "mirrors", [mirrors.url("drop"), mirrors.url("good")])
    monkeypatch.setenv("GRADSTEP_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache" / "MNIST"


def test_mnist_downloads_into_the_cache_then_reads_it_from_there(local_mnist, mirrors, monkeypatch):
    first = MNIST(train=True)
    assert len(first) == 30
    assert files_in(local_mnist) == sorted(FILES)

    monkeypatch.setattr(MNIST, "mirrors", [])
    again = MNIST(train=True, download=False)
    np.testing.assert_array_equal(again.data.numpy(), first.data.numpy())


def test_mnist_without_download_names_the_file_and_the_remedies(local_mnist):
    with pytest.raises(DatasetError) as caught:
        MNIST(train=True, download=False)
    message = str(caught.value)
    for expected in ("train-images-idx3-ubyte.gz", str(local_mnist), "root=", "GRADSTEP_DATA", "download=True"):
        assert expected in message
    assert files_in(local_mnist) == []


def test_mnist_downloads_into_root_when_given(local_mnist, tmp_path):
    MNIST(root=tmp_path / "data", train=True)
    assert files_in(tmp_path / "data") == sorted(FILES)
    assert files_in(local_mnist) == []


def test_fashion_mnist_fills_root_from_the_shipped_copy_without_network(tmp_path, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "mirrors", [])
    test = FashionMNIST(root=tmp_path, train=False)
    assert files_in(tmp_path) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    shipped = read_idx(sources.SHIPPED_DIR / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(test.targets.numpy(), shipped)
