"""Train and measure models, gradstep's or PyTorch's, with the same functions.

    from gradstep.train import fit, evaluate

    history = fit(model, train_loader, epochs=5, optimizer=optimizer,
                  loss_fn=loss_fn, val_loader=test_loader)
    print(evaluate(model, test_loader, loss_fn).accuracy)

``gradstep.train.lesson`` builds the lesson's settings, optimizer and data,
``gradstep.train.models`` its networks by name, and ``gradstep.train.run`` runs
the whole lesson as the ``gradstep train`` command does (``prepare_run``, then
``train_run``), into a folder from ``gradstep.train.run_folder``, on the device
and processes ``gradstep.train.distributed`` picks. A run's weights are written
by ``gradstep.train.weights`` as ``model.safetensors``.
"""
from gradstep.train.checkpoint import EpochTotals, TrainingCheckpoint
from gradstep.train.evaluation import Evaluation, confusion_matrix, evaluate
from gradstep.train.history import EpochRecord, History
from gradstep.train.loop import Callback, TrainingDiverged, fit
from gradstep.train.progress import LOG_FORMATS

__all__ = [
    "LOG_FORMATS",
    "Callback",
    "EpochRecord",
    "EpochTotals",
    "Evaluation",
    "History",
    "TrainingCheckpoint",
    "TrainingDiverged",
    "confusion_matrix",
    "evaluate",
    "fit",
]
