"""Every lesson notebook, in English and in Chinese, runs from top to bottom without an error.

The notebooks are executed by nbclient in a ``python3`` kernel. ipykernel's
package installs that kernel's spec into the environment (``share/jupyter/kernels``),
and jupyter_client starts it with the interpreter running the tests, so the
kernel sees the same gradstep. The Fashion-MNIST notebooks (5 and 6) train for 1
epoch on 6000 images here instead of several epochs on all 60000. Every figure must
draw all its characters: matplotlib's warning about a missing glyph (a character
drawn as an empty box) fails the notebook.
"""
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("torch")

from chinese_text import CHINESE_NOTEBOOKS, ENGLISH_NOTEBOOKS, NOTEBOOKS as FOLDER

NOTEBOOKS = ENGLISH_NOTEBOOKS + CHINESE_NOTEBOOKS
KERNEL = "python3"
QUICK_TRAINING = {"LESSON_EPOCHS": "1", "LESSON_TRAIN_SIZE": "6000"}


def test_the_kernel_is_the_interpreter_running_the_tests():
    from jupyter_client.kernelspec import KernelSpecManager

    command = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
    # jupyter_client replaces a bare "python" by sys.executable when it starts the kernel.
    assert command in {"python", "python3", sys.executable}, (
        f"the {KERNEL!r} kernel runs {command}, not this interpreter ({sys.executable}); "
        f"run: {sys.executable} -m ipykernel install --sys-prefix")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(path.relative_to(FOLDER).with_suffix("")) for path in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch, tmp_path):
    for name, value in QUICK_TRAINING.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.name} is stored with outputs; clear them before committing")
    client = nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    stderr = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
                     if output.get("name") == "stderr")
    assert "missing from font" not in stderr, f"{path.name} draws characters its fonts lack:\n{stderr}"


def test_there_are_six_lesson_notebooks_in_each_language():
    assert [path.name[:2] for path in ENGLISH_NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]
    assert [path.name for path in CHINESE_NOTEBOOKS] == [path.name for path in ENGLISH_NOTEBOOKS]
