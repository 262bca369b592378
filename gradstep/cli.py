"""The ``gradstep`` command: train the lesson's network, test it, ask it about an image.

    gradstep train                       # the lesson: 5 epochs of Fashion-MNIST
    gradstep train --engine torch        # the same network on PyTorch
    torchrun --nproc-per-node 2 -m gradstep train --engine torch   # on two processes
    gradstep eval runs/20250101-120000   # test a saved run again
    gradstep predict runs/20250101-120000 --index 0
    gradstep demo momentum               # one idea of the lesson, drawn
    gradstep playground                  # the lesson's knobs in the browser
    gradstep --version

Each command is one function that adds its sub-parser and sets ``run``, the
function that carries it out; ``COMMANDS`` lists them. Another module can add a
command the same way, as ``gradstep.lesson.cli`` adds ``demo``, provided its
module imports nothing heavy at the top: ``gradstep --help`` must stay instant,
so PyTorch, matplotlib and the training code are imported only by the ``run``
functions.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gradstep import __version__
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
        value = _number(kind, text)
        if not value > 0 or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number more than 0, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _momentum(text: str) -> float:
    value = _number(float, text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and less than 1, got {text} "
                                         "(at 1 or more each step adds to the last without end)")
    return value


def _seed(text: str) -> int:
    value = _number(int, text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**63 - 1, got {text}")
    return value


def _number(kind: type, text: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(size) for size in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes separated by commas, like 256,128; got {text!r}") from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be more than 0, got {text}")
    return sizes


def _engine_option(parser: argparse.ArgumentParser, help: str) -> None:  # noqa: A002 - argparse's name
    parser.add_argument("--engine", choices=["numpy", "torch"], help=help)


# --- gradstep train ---------------------------------------------------------------

# The settings that may change when a run is resumed; the others must stay as saved.
_RESUMABLE_OPTIONS = {"epochs", "log_format", "data", "device", "lang"}


def add_train_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train the lesson's network on Fashion-MNIST",
        description="Train Flatten -> Linear(784,128) -> ReLU -> Linear(128,10) -> LogSoftmax with NLLLoss "
        "and SGD, as in the lesson, measuring it after every epoch on the test images (or, with --val-size, "
        "on images held out of the training set) and testing it once at the end. Writes checkpoint.npz, "
        "model.safetensors, metrics.json, history.csv and PNG pictures (curves, confusion matrix, predictions, "
        "the first layer) to a new folder. "
        "Ctrl-C saves a checkpoint; --resume continues from it with identical results. "
        "Under torchrun (--engine torch), trains on several processes at once.",
        # Options not given stay out of the namespace, so --resume can tell what was asked for.
        argument_default=argparse.SUPPRESS,
    )
    parser.add_argument("--epochs", type=_positive(int), help="passes over the training images (default 5)")
    parser.add_argument("--lr", type=_positive(float), help="learning rate (default 0.15 for sgd, 0.001 for adam)")
    parser.add_argument("--momentum", type=_momentum, help="SGD momentum, from 0 to below 1 (default 0.8)")
    parser.add_argument("--batch-size", type=_positive(int),
                        help="images per step, shared by all processes under torchrun (default 128)")
    parser.add_argument("--model", choices=_model_names(), help="the network (default mlp, the lesson's)")
    parser.add_argument("--hidden", type=_hidden_sizes, metavar="SIZES",
                        help="hidden layer sizes of the mlp separated by commas, e.g. 256,128 (default 128)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], help="(default sgd)")
    parser.add_argument("--lr-schedule", choices=["constant", "cosine"],
                        help="keep the learning rate, or anneal it to 0 along a half cosine over the epochs "
                        "(default constant)")
    _engine_option(parser, "numpy is gradstep's own engine; torch needs PyTorch installed (default numpy)")
    parser.add_argument("--device", choices=_device_names(),
                        help="where the torch engine computes; auto picks a GPU if there is one (default auto)")
    parser.add_argument("--seed", type=_seed, help="seed for the first weights, the shuffling and the "
                        "validation split (default 420)")
    parser.add_argument("--train-size", type=_positive(int), metavar="N",
                        help="train on the first N training images only, for quick runs (default all)")
    parser.add_argument("--val-size", type=_positive(int), metavar="N",
                        help="hold N random training images out and measure on them after every epoch, "
                        "leaving the test images for the one final test (default: none, measure on the test "
                        "images)")
    parser.add_argument("--data", metavar="DIR", help="folder with the Fashion-MNIST files, read only (default: "
                        "the copy shipped with gradstep); torchvision's DIR/FashionMNIST/raw/ works too")
    parser.add_argument("--out", metavar="DIR", help="a new or empty folder for the run (default "
                        "runs/YYYYmmdd-HHMMSS)")
    parser.add_argument("--resume", metavar="RUN", help="continue the run saved in this folder with its "
                        "settings; only --epochs, --log-format, --data, --device and --lang may be given too")
    parser.add_argument("--log-format", choices=["bar", "lesson", "none"],
                        help="a progress bar, the lesson's printed lines, or nothing (default bar)")
    add_lang_option(parser)
    parser.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    from gradstep.train import distributed
    from gradstep.train.run import CHECKPOINT_NAME, prepare_run, train_run
    from gradstep.train.run_folder import new_run_folder, resumed_run_folder

    given = vars(args)
    config, checkpoint = _train_settings(given)
    run = prepare_run(config, data_dir=given.get("data"), device=given.get("device"))
    first_process = distributed.process_rank() == 0
    folder = None
    try:
        with contextlib.ExitStack() as stack:
            stack.callback(distributed.stop_processes, run.engine)
            refusal = None
            if first_process:  # the others train alongside it, but only the first writes
                try:
                    folder = stack.enter_context(resumed_run_folder(checkpoint.parent) if checkpoint is not None
                                                 else new_run_folder(given.get("out")))
                except (ValueError, OSError) as error:
                    refusal = error
            if not distributed.all_agree(run.engine, refusal is None, run.device):
                if refusal is not None:
                    raise refusal
                return 2  # the first process says why
            if first_process:
                print(f"{'Resuming' if checkpoint else 'Training'} on the {_where(run)}: "
                      f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}, writing to {folder}")
            log_format = given.get("log_format", "bar") if first_process else "none"
            metrics = train_run(run, folder, resume_from=checkpoint, log_format=log_format,
                                lang=given.get("lang") or language_from_locale())
    except KeyboardInterrupt:
        if folder is not None and (folder / CHECKPOINT_NAME).exists():
            print(f"\nInterrupted. Continue where it stopped with: gradstep train --resume {folder}", file=sys.stderr)
        return 130
    if first_process:
        print(f"Test accuracy: {metrics['test_accuracy']:.2%} (loss {metrics['test_loss']:.4f})")
        print(f"Saved in {folder}: checkpoint, weights (model.safetensors), metrics, history and pictures")
    return 0


def _train_settings(given: dict[str, Any]) -> tuple[Any, Path | None]:
    """The settings of the run to train, and with --resume the checkpoint it continues from (else None)."""
    from gradstep.train.lesson import LessonConfig
    from gradstep.train.run import CHECKPOINT_NAME, read_config

    settings = {field.name: given[field.name] for field in dataclasses.fields(LessonConfig) if field.name in given}
    if "resume" not in given:
        if given.get("optimizer") == "adam" and "momentum" in given:
            raise CommandError("--momentum is for SGD; Adam keeps its own running averages")
        return LessonConfig(**settings), None
    fixed = sorted(set(given) - _RESUMABLE_OPTIONS - {"resume", "command", "run"})
    if fixed:
        options = ", ".join("--" + name.replace("_", "-") for name in fixed)
        raise CommandError(f"{options} cannot be given with --resume: a run continues with its saved settings")
    checkpoint = _run_file(given["resume"], CHECKPOINT_NAME)
    if Path(given["resume"]).is_dir() and not checkpoint.exists():
        raise CommandError(f"{given['resume']} holds no {CHECKPOINT_NAME}: the run stopped before its first "
                           f"save, so there is nothing to resume; start it again with --out {given['resume']}")
    saved = read_config(checkpoint)
    if saved.lr_schedule == "cosine" and settings.get("epochs", saved.epochs) != saved.epochs:
        raise CommandError(f"--epochs cannot change with --lr-schedule cosine: the schedule was planned "
                           f"over the run's {saved.epochs} epochs")
    return LessonConfig.from_dict({**saved.to_dict(), **settings}), checkpoint


def _where(run: Any) -> str:
    """E.g. "numpy engine", or "torch engine (cuda:0, 2 processes)"."""
    from gradstep.train.distributed import process_count

    if run.device is None:
        return f"{run.config.engine} engine"
    processes = process_count()
    return f"{run.config.engine} engine ({run.device}{f', {processes} processes' if processes > 1 else ''})"


def _run_file(path: str, name: str) -> Path:
    """The file ``name`` of a run: ``path`` names the run's folder, or the file itself."""
    path = Path(path)
    return path / name if path.is_dir() else path


# --- gradstep eval ------------------------------------------------------------------

def add_eval_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="test a saved model on the Fashion-MNIST test images",
        description="Rebuild the model saved in a run's model.safetensors and measure it on the 10,000 test images.",
    )
    parser.add_argument("run_path", metavar="RUN", help="a run folder, or its model.safetensors")
    parser.add_argument("--data", metavar="DIR", help="folder with the Fashion-MNIST files, read only")
    _engine_option(parser, "the engine to compute with (default: the one the model was trained on)")
    parser.set_defaults(run=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from gradstep.train.engines import engine_of
    from gradstep.train.evaluation import evaluate
    from gradstep.train.lesson import make_eval_loader

    trained = _load_trained(args)
    engine = engine_of(trained.model)
    result = evaluate(trained.model, make_eval_loader(engine, _test_set(args.data)), engine.nn.NLLLoss())
    print(f"Test loss {result.loss:.4f}, accuracy {result.accuracy:.2%} on {result.samples} images")
    return 0


def _load_trained(args: argparse.Namespace) -> Any:
    from gradstep.train.lesson import ConfigError
    from gradstep.train.run import WEIGHTS_NAME, load_trained_model

    path = _run_file(args.run_path, WEIGHTS_NAME)
    if path.suffix == ".npz" and path.is_file():
        raise CommandError(f"{path} is a training checkpoint, for --resume; give the run folder or its "
                           f"{WEIGHTS_NAME}")
    try:
        return load_trained_model(path, args.engine)
    except ConfigError as error:
        if args.engine is not None:
            raise
        # The engine it was trained on is missing; the weights are the same numbers on the other.
        raise CommandError(f"{error}; or compute with gradstep's own engine: --engine numpy") from error


def _test_set(data: str | None) -> Any:
    from gradstep.datasets import FashionMNIST

    return FashionMNIST(root=data, train=False, download=data is None)


# --- gradstep predict ---------------------------------------------------------------

TOP_CLASSES = 3


def add_predict_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="show what a saved model thinks an image is",
        description="Print the three most likely classes for a picture or for a test image. "
        "A picture of any size (up to 4096x4096 pixels) is turned grey and shrunk to 28x28; "
        "a light background is inverted to black, as in Fashion-MNIST.",
    )
    parser.add_argument("run_path", metavar="RUN", help="a run folder, or its model.safetensors")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("image", metavar="IMAGE.png", nargs="?", help="the picture to classify")
    source.add_argument("--index", type=int, metavar="N", help="use test image number N instead (0 to 9999)")
    parser.add_argument("--data", metavar="DIR", help="folder with the Fashion-MNIST files (for --index)")
    _engine_option(parser, "the engine to compute with (default: the one the model was trained on)")
    parser.set_defaults(run=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    from gradstep.datasets import FashionMNIST
    from gradstep.train.evaluation import predict_probabilities
    from gradstep.train.images import read_image

    trained = _load_trained(args)
    if args.image is not None:
        image = read_image(args.image)
        print(f"{args.image}:")
    else:
        test_set = _test_set(args.data)
        if not 0 <= args.index < len(test_set):
            raise CommandError(f"--index must be from 0 to {len(test_set) - 1}, got {args.index}")
        pixels, label = test_set[args.index]
        image = pixels.numpy()[0]
        print(f"Test image {args.index} (true class: {test_set.classes[label]}):")

    probabilities = predict_probabilities(trained.model, image[None, None])[0]
    for label in probabilities.argsort()[::-1][:TOP_CLASSES]:
        print(f"  {FashionMNIST.classes[label]:<12} {probabilities[label]:6.1%}")
    return 0


def _model_names() -> list[str]:
    from gradstep.train.models import MODELS

    return list(MODELS)


def _device_names() -> tuple[str, ...]:
    from gradstep.train.distributed import DEVICES

    return DEVICES


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
    parser.add_argument("--version", action="version", version=f"gradstep {__version__}")
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
        if not isinstance(error, _expected_errors()) or isinstance(error, OSError) and not error.filename:
            raise
        if isinstance(error, FileNotFoundError):
            error = f"no such file: {error.filename}"
        elif isinstance(error, OSError):  # a full disk, a folder that cannot be written
            error = f"{error.filename}: {error.strerror}"
        from gradstep.train.distributed import process_rank

        if process_rank() == 0:  # under torchrun, the first process alone speaks
            print(f"gradstep {args.command}: error: {error}", file=sys.stderr)
        return 2


def _expected_errors() -> tuple[type[Exception], ...]:
    """The errors that come from the user's input, files or machine, not from a bug: no traceback for these.

    An ``OSError`` counts only when it names its file.
    """
    from gradstep.datasets import DatasetError
    from gradstep.serialization import CheckpointError
    from gradstep.train import TrainingDiverged
    from gradstep.train.images import ImageError
    from gradstep.train.lesson import ConfigError
    from gradstep.train.models import ModelTooLarge
    from gradstep.train.run_folder import RunFolderError

    return (CommandError, OSError, DatasetError, CheckpointError, TrainingDiverged, ImageError, ConfigError,
            ModelTooLarge, RunFolderError)
