"""The ``gradstep`` command: train the lesson's network, test it, ask it about an image.

    gradstep train                       # the lesson: 5 epochs of Fashion-MNIST
    gradstep train --engine torch        # the same network on PyTorch
    gradstep eval runs/20250101-120000   # test a saved run again
    gradstep predict runs/20250101-120000 --index 0
    gradstep demo momentum               # one idea of the lesson, drawn
    gradstep playground                  # the lesson's knobs in the browser

Each command is one function that adds its sub-parser and sets ``run``, the
function that carries it out; ``COMMANDS`` lists them. Another module can add a
command the same way, as ``gradstep.lesson.cli`` adds ``demo``, provided its
module imports nothing heavy at the top: ``gradstep --help`` must stay instant,
so PyTorch, matplotlib and the training code are imported only by the ``run``
functions.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gradstep.i18n import add_lang_option, language_from_locale
from gradstep.lesson.cli import add_demo_command
from gradstep.playground.cli import add_playground_command

class CommandError(ValueError):
    """The command cannot do what it was asked; reported as one line, with exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not the usage followed by the error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _positive(kind: type) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(size) for size in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes separated by commas, like 256,128; got {text!r}") from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be more than 0, got {text}")
    return sizes


# --- gradstep train ---------------------------------------------------------------

# The settings that may change when a run is resumed; the others must stay as saved.
_RESUMABLE_OPTIONS = {"epochs", "log_format", "data", "lang"}


def add_train_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train the lesson's network on Fashion-MNIST",
        description="Train Flatten -> Linear(784,128) -> ReLU -> Linear(128,10) -> LogSoftmax with NLLLoss "
        "and SGD, as in the lesson, testing on the 10,000 test images after every epoch. "
        "Writes checkpoint.npz, metrics.json, history.csv and three PNG pictures to --out. "
        "Ctrl-C saves a checkpoint; --resume continues from it with identical results.",
        # Options not given stay out of the namespace, so --resume can tell what was asked for.
        argument_default=argparse.SUPPRESS,
    )
    parser.add_argument("--epochs", type=_positive(int), help="passes over the training images (default 5)")
    parser.add_argument("--lr", type=_positive(float), help="learning rate (default 0.15 for sgd, 0.001 for adam)")
    parser.add_argument("--momentum", type=float, help="SGD momentum (default 0.8)")
    parser.add_argument("--batch-size", type=_positive(int), help="images per step (default 128)")
    parser.add_argument("--hidden", type=_hidden_sizes, metavar="SIZES",
                        help="hidden layer sizes separated by commas, e.g. 256,128 (default 128)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], help="(default sgd)")
    parser.add_argument("--lr-schedule", choices=["constant", "cosine"],
                        help="keep the learning rate, or anneal it to 0 along a half cosine over the epochs "
                        "(default constant)")
    parser.add_argument("--engine", choices=["numpy", "torch"],
                        help="numpy is gradstep's own engine; torch needs PyTorch installed (default numpy)")
    parser.add_argument("--seed", type=int, help="seed for the first weights and the shuffling (default 420)")
    parser.add_argument("--train-size", type=_positive(int), metavar="N",
                        help="train on the first N training images only, for quick runs (default all 60000)")
    parser.add_argument("--data", metavar="DIR", help="folder with the Fashion-MNIST files (default: the copy "
                        "shipped with gradstep)")
    parser.add_argument("--out", metavar="DIR", help="where to write the run (default runs/YYYYmmdd-HHMMSS)")
    parser.add_argument("--resume", metavar="RUN", help="continue the run saved in this folder (or checkpoint "
                        "file) with its settings; only --epochs, --log-format, --data and --lang may be given too")
    parser.add_argument("--log-format", choices=["bar", "lesson", "none"],
                        help="a progress bar, the lesson's printed lines, or nothing (default bar)")
    add_lang_option(parser)
    parser.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    from gradstep.train.lesson import LessonConfig
    from gradstep.train.run import checkpoint_file, read_config, train_lesson

    given = vars(args)
    settings = {field.name: given[field.name] for field in dataclasses.fields(LessonConfig) if field.name in given}
    if "resume" in given:
        fixed = sorted(set(given) - _RESUMABLE_OPTIONS - {"resume", "command", "run"})
        if fixed:
            options = ", ".join("--" + name.replace("_", "-") for name in fixed)
            raise CommandError(f"{options} cannot be given with --resume: a run continues with its saved settings")
        checkpoint = checkpoint_file(args.resume)
        saved = read_config(checkpoint)
        config = LessonConfig.from_dict({**saved.to_dict(), **settings})
        out_dir = checkpoint.parent
    else:
        if given.get("optimizer") == "adam" and "momentum" in given:
            raise CommandError("--momentum is for SGD; Adam keeps its own running averages")
        config = LessonConfig(**settings)
        out_dir = Path(given.get("out") or Path("runs", time.strftime("%Y%m%d-%H%M%S")))

    verb = "Resuming" if "resume" in given else "Training"
    epochs = f"{config.epochs} epoch" + ("s" if config.epochs != 1 else "")
    print(f"{verb} on the {config.engine} engine: {epochs}, writing to {out_dir}")
    try:
        metrics = train_lesson(config, out_dir, data_dir=given.get("data"), resume="resume" in given,
                               log_format=given.get("log_format", "bar"),
                               lang=given.get("lang") or language_from_locale())
    except KeyboardInterrupt:
        print(f"\nInterrupted. Continue where it stopped with: gradstep train --resume {out_dir}", file=sys.stderr)
        return 130
    print(f"Test accuracy: {metrics['test_accuracy']:.2%} (loss {metrics['test_loss']:.4f})")
    print(f"Saved in {out_dir}: checkpoint, metrics, history and pictures")
    return 0


# --- gradstep eval ------------------------------------------------------------------

def add_eval_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="test a saved model on the Fashion-MNIST test images",
        description="Rebuild the model saved in a checkpoint and measure it on the 10,000 test images.",
    )
    parser.add_argument("checkpoint", metavar="CKPT", help="a checkpoint.npz, or the run folder holding one")
    parser.add_argument("--data", metavar="DIR", help="folder with the Fashion-MNIST files")
    parser.set_defaults(run=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from gradstep.datasets import FashionMNIST
    from gradstep.train.evaluation import evaluate
    from gradstep.train.lesson import make_test_loader
    from gradstep.train.run import checkpoint_file, load_trained_model

    trained = load_trained_model(checkpoint_file(args.checkpoint))
    engine = trained.config.load_engine()
    batches = make_test_loader(engine, FashionMNIST(root=args.data, train=False))
    result = evaluate(trained.model, batches, engine.nn.NLLLoss())
    print(f"Test loss {result.loss:.4f}, accuracy {result.accuracy:.2%} on {result.samples} images")
    return 0


# --- gradstep predict ---------------------------------------------------------------

TOP_CLASSES = 3


def add_predict_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="show what a saved model thinks an image is",
        description="Print the three most likely classes for a PNG image or for a test image. "
        "A PNG of any size is turned grey and stretched to 28x28; a light background is "
        "inverted to black, as in Fashion-MNIST.",
    )
    parser.add_argument("checkpoint", metavar="CKPT", help="a checkpoint.npz, or the run folder holding one")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("image", metavar="IMAGE.png", nargs="?", help="the picture to classify")
    source.add_argument("--index", type=int, metavar="N", help="use test image number N instead (0 to 9999)")
    parser.add_argument("--data", metavar="DIR", help="folder with the Fashion-MNIST files (for --index)")
    parser.set_defaults(run=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    from gradstep.datasets import FashionMNIST
    from gradstep.train.evaluation import predict_probabilities
    from gradstep.train.images import read_image
    from gradstep.train.run import checkpoint_file, load_trained_model

    trained = load_trained_model(checkpoint_file(args.checkpoint))
    if args.image is not None:
        try:
            image = read_image(args.image)
        except FileNotFoundError:
            raise
        except (OSError, ValueError, SyntaxError) as error:
            raise CommandError(f"{args.image}: cannot read it as an image ({error})") from error
        print(f"{args.image}:")
    else:
        test_set = FashionMNIST(root=args.data, train=False)
        if not 0 <= args.index < len(test_set):
            raise CommandError(f"--index must be from 0 to {len(test_set) - 1}, got {args.index}")
        pixels, label = test_set[args.index]
        image = pixels.numpy()[0]
        print(f"Test image {args.index} (true class: {test_set.classes[label]}):")

    probabilities = predict_probabilities(trained.model, image[None, None])[0]
    for label in probabilities.argsort()[::-1][:TOP_CLASSES]:
        print(f"  {FashionMNIST.classes[label]:<12} {probabilities[label]:6.1%}")
    return 0


# --- the command itself -------------------------------------------------------------

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_train_command,
    add_eval_command,
    add_predict_command,
    add_demo_command,
    add_playground_command,
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradstep",
        description="Train, test and question the Fashion-MNIST lesson's network, run one of the lesson's demos, "
        "or turn the lesson's knobs in the playground.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``gradstep`` command with ``argv`` (default: the program's arguments); return its exit code.

    Example:
        >>> main(["train", "--epochs", "0"])
        2
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # --help, or a bad argument already reported
        return int(exit.code or 0)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows up here, not after main has returned
        return code
    except KeyboardInterrupt:
        return 130  # what a shell reports for a program stopped by Ctrl-C
    except BrokenPipeError:
        # The reader went away (`gradstep train | head`): stop quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        if not isinstance(error, _expected_errors()):
            raise
        if isinstance(error, FileNotFoundError) and error.filename:
            error = f"no such file: {error.filename}"
        print(f"gradstep {args.command}: error: {error}", file=sys.stderr)
        return 2


def _expected_errors() -> tuple[type[Exception], ...]:
    """The errors that come from the user's input or files, not from a bug: no traceback for these."""
    from gradstep.datasets import DatasetError
    from gradstep.serialization import CheckpointError
    from gradstep.train import TrainingDiverged

    return CommandError, FileNotFoundError, DatasetError, CheckpointError, TrainingDiverged
