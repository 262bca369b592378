"""Programs in the style of PyTorch's beginner material, run on PyTorch and on gradstep with only
their import blocks switched (see tests/programs/runner.py); every reported value must agree."""
import numpy as np
import pytest
import torch

from programs.runner import PROGRAMS, run

# The programs are small: a second PyTorch thread only waits for the first (as in parity.py).
torch.set_num_threads(1)

# What still differs on gradstep because other work of the same issue is not in yet. Strict:
# once it works, the test fails until the entry is removed.
BLOCKED = {
}
DIFFERING_VALUES: dict[tuple[str, str], str] = {}

NAMES = sorted(path.stem for path in PROGRAMS.glob("*.py") if path.stem not in {"__init__", "runner"})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One working folder for all programs: the data they download is copied there once."""
    return tmp_path_factory.mktemp("programs")


def agree(ours, theirs, tolerance):
    if isinstance(theirs, dict):
        return isinstance(ours, dict) and ours.keys() == theirs.keys() and all(agree(ours[k], theirs[k], tolerance) for k in theirs)
    if isinstance(theirs, str) or theirs is None or isinstance(theirs, bool):
        return ours == theirs
    if isinstance(theirs, list) and any(isinstance(item, (str, list, dict)) for item in theirs):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(agree(a, b, tolerance) for a, b in zip(ours, theirs))
    try:
        ours_array, theirs_array = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    except (TypeError, ValueError):
        return ours == theirs
    if ours_array.shape != theirs_array.shape:
        return False
    if tolerance is None:
        return bool(np.allclose(ours_array, theirs_array, rtol=1e-5, atol=1e-6))
    return bool(np.all(np.abs(ours_array - theirs_array) <= tolerance))


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=BLOCKED[n])) if n in BLOCKED else n for n in NAMES]
)
def test_program_runs_on_gradstep_with_only_its_imports_changed(name, folder):
    path = PROGRAMS / f"{name}.py"
    theirs, _ = run(path, "torch", folder)
    ours, _ = run(path, "gradstep", folder)
    assert ours.keys() == theirs.keys()
    for key, (expected, tolerance) in theirs.items():
        matches = agree(ours[key][0], expected, tolerance)
        if (name, key) in DIFFERING_VALUES:
            assert not matches, f"{key} now agrees with PyTorch: remove it from DIFFERING_VALUES"
        else:
            assert matches, f"{key}: gradstep gave {ours[key][0]!r}, PyTorch {expected!r} (tolerance {tolerance})"


def test_import_lines_become_gradsteps():
    from programs.runner import for_gradstep

    assert for_gradstep("import torch") == "import gradstep as torch"
    assert for_gradstep("import torch.nn as nn") == "import gradstep.nn as nn"
    assert for_gradstep("from torch.utils.data import DataLoader") == "from gradstep.utils.data import DataLoader"
    assert for_gradstep("import torchvision") == "import gradstep.vision as torchvision"
    assert for_gradstep("from torchvision.transforms import ToTensor") == "from gradstep.vision.transforms import ToTensor"
    assert for_gradstep("import numpy as np") == "import numpy as np"
