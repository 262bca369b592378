"""``gradstep demo NAME``: run one idea of the lesson, print what it computes and draw it.

    gradstep demo backprop               # the chain rule by hand, checked against autograd
    gradstep demo descent --out pictures # one step, then four learning rates
    gradstep demo momentum --lang zh-CN  # printed and drawn in Chinese

:func:`add_demo_command` adds the command to the ``gradstep`` parser, like the
functions in ``gradstep.cli.COMMANDS``. Nothing heavy is imported until a demo runs.
A demo speaks the language of ``--lang``, or else of the user's locale.
"""
from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from gradstep.i18n import add_lang_option, language_from_locale, translator

DEMOS = {
    "backprop": "backpropagation by hand: the chain rule's factors, with numbers, checked against autograd",
    "descent": "one gradient descent step on a loss surface, then walks with four learning rates",
    "momentum": "plain descent against momentum (γ = 0.5, 0.9); the textbook and PyTorch forms agree",
    "batches": "full-batch, mini-batch and single-sample training; iterations per epoch",
}
"""Each demo is the ``demo(out_dir, lang=...)`` function of the module ``gradstep.lesson.<name>``."""


def add_demo_command(commands: argparse._SubParsersAction) -> None:
    """Add ``demo``, with one sub-command per demo, to a parser's sub-commands.

    Example:
        >>> parser = argparse.ArgumentParser(prog="gradstep")
        >>> add_demo_command(parser.add_subparsers())
        >>> args = parser.parse_args(["demo", "momentum"])
        >>> args.demo, args.out, args.lang
        ('momentum', None, None)
    """
    parser = commands.add_parser(
        "demo",
        help="run one idea of the lesson and draw it",
        description="Each demo prints what it computes, writes PNG figures to --out "
        "(default runs/demo-NAME) and takes under a minute.",
    )
    demos = parser.add_subparsers(dest="demo", required=True, metavar="NAME")
    for name, summary in DEMOS.items():
        demo = demos.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        demo.add_argument("--out", metavar="DIR", help=f"where to write the figures (default runs/demo-{name})")
        add_lang_option(demo)
    parser.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    lang = args.lang or language_from_locale()
    out_dir = Path(args.out or Path("runs", f"demo-{args.demo}"))
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures = importlib.import_module(f"gradstep.lesson.{args.demo}").demo(out_dir, lang=lang)
    print("\n" + translator(lang)("Figures ({seconds:.1f} s):", seconds=time.perf_counter() - started))
    for figure in figures:
        print(f"  {figure}")
    return 0
