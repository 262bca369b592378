"""Each `gradstep demo NAME` runs, prints what it computed and writes readable PNG figures to --out."""
import argparse
import re

import matplotlib.image
import pytest

from gradstep.lesson.cli import DEMOS, add_demo_command

FIGURES = {
    "backprop": ["backprop_hand_vs_autograd.png"],
    "descent": ["descent_one_step.png", "descent_learning_rates.png", "descent_stability.png", "descent_newton.png"],
    "momentum": ["momentum_paths.png", "momentum_two_forms.png"],
    "batches": ["batches_loss.png"],
}


def run_demo(argv):
    parser = argparse.ArgumentParser(prog="gradstep")
    add_demo_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def _largest_differences(output):
    return [float(value) for value in re.findall(r"largest \|difference\|.*= ([0-9.e+-]+)", output)] + [
        float(value) for value in re.findall(r"max \|difference\| = ([0-9.e+-]+)", output)]


@pytest.mark.parametrize("name", list(DEMOS))
def test_demo_writes_its_figures_and_names_them(name, tmp_path, capsys):
    assert run_demo(["demo", name, "--out", str(tmp_path / "out")]) == 0
    output = capsys.readouterr().out
    for figure in FIGURES[name]:
        path = tmp_path / "out" / figure
        assert str(path) in output
        picture = matplotlib.image.imread(path)
        assert picture.shape[0] > 400 and picture.shape[1] > 400, figure
        assert picture[..., :3].std() > 0.05, f"{figure} looks blank"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FIGURES[name])
    if name in ("backprop", "momentum"):
        differences = _largest_differences(output)
        assert differences and max(differences) < 1e-12


def test_the_figures_go_to_runs_demo_name_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_demo(["demo", "backprop"]) == 0
    assert (tmp_path / "runs" / "demo-backprop" / "backprop_hand_vs_autograd.png").exists()


def test_the_gradstep_command_runs_the_demos_once_registered(tmp_path):
    import gradstep.cli

    if add_demo_command not in gradstep.cli.COMMANDS:
        pytest.skip("gradstep.cli does not register the demo command yet")
    assert gradstep.cli.main(["demo", "backprop", "--out", str(tmp_path)]) == 0


def test_an_unknown_demo_is_refused():
    with pytest.raises(SystemExit):
        run_demo(["demo", "nonsense"])
