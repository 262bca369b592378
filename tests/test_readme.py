"""The README's promises: its two commands come first, and its Python examples run as shown."""
import contextlib
import io
import math
import re
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(first_block) == 2
    assert first_block[0].endswith("pip install . && gradstep train")
    assert first_block[1].endswith('pip install -e ".[dev]" && pytest')
    assert README.index("```bash") < README.index("```python")


def test_python_examples_run_and_print_what_the_comments_say():
    namespace: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    training, first_step = blocks[:2]
    (beginner_imports,) = [block for block in blocks if "gradstep.vision" in block]
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(training, "README.md", "exec"), namespace)
    torch = namespace["torch"]
    assert torch.__name__ == "gradstep"
    assert math.isfinite(namespace["loss"].item())
    assert all("momentum_buffer" in namespace["opt"].state[p] for p in namespace["model"].parameters())

    exec(compile(first_step, "README.md", "exec"), namespace)
    assert namespace["w"].tolist() == [0.800000011920929, -1.600000023841858]
    (gradient,) = torch.autograd.grad((namespace["w"] ** 2).sum(), namespace["w"])
    assert gradient.tolist() == [1.600000023841858, -3.200000047683716]
    assert repr(gradient) == "tensor([ 1.6000, -3.2000])"

    imported: dict = {}
    exec(compile(beginner_imports, "README.md", "exec"), imported)
    assert imported["torch"].__name__ == "gradstep" and imported["torchvision"].datasets is imported["datasets"]
    assert imported["transforms"].ToTensor and imported["DataLoader"] and imported["nn"].Linear


def test_the_higher_order_example_prints_what_its_comments_say():
    (block,) = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "create_graph" in block]
    namespace: dict = {"torch": __import__("gradstep")}
    checked = 0
    for line in block.splitlines():
        code, _, comment = line.partition("#")
        expected = comment.strip()
        if expected.startswith(("(tensor", "tensor")) and "=" not in code:
            assert repr(eval(code, namespace)) == expected  # noqa: S307 - the README's own example
            checked += 1
        else:
            exec(code, namespace)  # noqa: S102
    assert checked == 1

def test_the_weights_of_a_run_load_into_pytorch_as_shown(tmp_path, monkeypatch):
    from gradstep.cli import main
    from gradstep.train import run as run_module

    monkeypatch.setattr(run_module, "_draw_pictures", lambda *args: None)
    assert main(["train", "--out", str(tmp_path / "run"), "--train-size", "64", "--epochs", "1",
                 "--log-format", "none"]) == 0
    (weights,) = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "safetensors" in block]
    namespace: dict = {}
    exec(compile(weights.replace("runs/<stamp>", str(tmp_path / "run")), "README.md", "exec"), namespace)
    assert type(namespace["model"]).__module__.startswith("torch")
