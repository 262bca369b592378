"""fit and evaluate on both engines: history, printed lines, divergence, checkpoints and resume."""
import csv
import importlib
import os
import re
import signal

import numpy as np
import pytest

from gradstep.train import Callback, TrainingCheckpoint, TrainingDiverged, evaluate, fit


@pytest.fixture(params=["torch", "gradstep"])
def engine(request):
    return importlib.import_module(request.param)


def make_loader(engine, samples=96, batch_size=16, seed=7, shuffle=True):
    """A small learnable problem: the class is which of the first three features is largest."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(samples, 16)).astype(np.float32)
    labels = features[:, :3].argmax(axis=1).astype(np.int64)
    dataset = engine.utils.data.TensorDataset(engine.from_numpy(features), engine.from_numpy(labels))
    generator = engine.Generator()
    generator.manual_seed(seed)
    return engine.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def make_model(engine, seed=0):
    engine.manual_seed(seed)
    nn = engine.nn
    model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = engine.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, optimizer


def train(engine, epochs=2, **options):
    model, optimizer = make_model(engine)
    options.setdefault("log_format", "none")
    history = fit(model, make_loader(engine), epochs=epochs, optimizer=optimizer,
                  loss_fn=engine.nn.CrossEntropyLoss(), **options)
    return model, history


def weights(model):
    return {name: np.array(value.detach().numpy()) for name, value in model.state_dict().items()}


class InterruptAt(Callback):
    """Acts like Ctrl-C right after the given batch, or after the given epoch with step=None."""

    def __init__(self, epoch, step=None):
        self.epoch, self.step = epoch, step

    def on_batch_end(self, epoch, step, loss):
        if (epoch, step) == (self.epoch, self.step):
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, history):
        if self.step is None and epoch == self.epoch:
            raise KeyboardInterrupt


def test_fit_learns_and_records_every_epoch(engine):
    model, history = train(engine, epochs=4, val_loader=make_loader(engine, shuffle=False))
    assert [record.epoch for record in history] == [1, 2, 3, 4]
    assert history[-1].train_loss < history[0].train_loss
    assert history[-1].val_accuracy > 0.6
    assert all(record.seconds > 0 for record in history)
    assert model.training


def test_without_validation_the_val_fields_are_none(engine, tmp_path):
    _, history = train(engine, epochs=1)
    assert history[0].val_loss is None and history[0].val_accuracy is None
    history.to_csv(tmp_path / "history.csv")
    with open(tmp_path / "history.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"]
    assert rows[0]["val_loss"] == "" and float(rows[0]["train_loss"]) == history[0].train_loss


def test_evaluate_counts_every_sample_in_the_confusion_matrix(engine):
    model, _ = make_model(engine)
    loader = make_loader(engine, samples=50, shuffle=False)
    result = evaluate(model, loader, engine.nn.CrossEntropyLoss())
    assert result.confusion_matrix.shape == (3, 3) and result.confusion_matrix.dtype.kind == "i"
    assert result.samples == 50
    assert result.accuracy == np.trace(result.confusion_matrix) / 50
    assert result.loss > 0
    assert evaluate(model, loader).loss is None
    assert model.training  # the mode it had before


def test_lesson_lines_are_printed_every_125_batches_and_at_the_last(engine, capsys):
    losses = {}

    class RememberLoss(Callback):
        def on_batch_end(self, epoch, step, loss):
            losses[step] = loss

    model, optimizer = make_model(engine)
    history = fit(model, make_loader(engine, samples=300, batch_size=2), epochs=1, optimizer=optimizer,
                  loss_fn=engine.nn.CrossEntropyLoss(), log_format="lesson", callbacks=[RememberLoss()])
    lines = capsys.readouterr().out.splitlines()

    assert [line.split("\t")[0] for line in lines] == ["Epoch1:[250/300(83%)]", "Epoch1:[300/300(100%)]"]
    assert lines[0].split("\t")[1] == f"Loss:{losses[125]:.6f}"
    accuracy = 100 * history[0].train_accuracy
    assert lines[1] == f"Epoch1:[300/300(100%)]\tLoss:{losses[150]:.6f}\t Accuracy:{accuracy: .3f}"
    assert re.fullmatch(r"\t Accuracy: {1,2}\d+\.\d{3}", "\t" + lines[0].split("\t")[2])


def test_the_bar_leaves_one_summary_line_per_epoch(engine, capsys):
    model, optimizer = make_model(engine)
    history = fit(model, make_loader(engine), epochs=2, optimizer=optimizer, loss_fn=engine.nn.CrossEntropyLoss(),
                  val_loader=make_loader(engine, shuffle=False), log_format="bar")
    lines = capsys.readouterr().out.splitlines()

    assert len(lines) == 2
    for line, record in zip(lines, history):
        assert line.startswith(f"Epoch {record.epoch}/2: train loss {record.train_loss:.4f}, "
                               f"accuracy {record.train_accuracy:.1%} | val loss {record.val_loss:.4f}, "
                               f"accuracy {record.val_accuracy:.1%} | ")


def test_nan_loss_stops_training_naming_epoch_and_step(engine):
    model, optimizer = make_model(engine)
    cross_entropy = engine.nn.CrossEntropyLoss()
    calls = []

    def loss_that_blows_up(output, labels):
        calls.append(1)
        loss = cross_entropy(output, labels)
        return loss * float("nan") if len(calls) == 9 else loss  # epoch 2, step 3 of 6

    with pytest.raises(TrainingDiverged, match="epoch 2, step 3.*smaller learning rate") as caught:
        fit(model, make_loader(engine), epochs=3, optimizer=optimizer, loss_fn=loss_that_blows_up, log_format="none")
    assert isinstance(caught.value, ValueError)


def test_checkpoint_after_each_epoch_holds_the_training_state(engine, tmp_path):
    path = tmp_path / "checkpoint.npz"
    model, history = train(engine, epochs=2, checkpoint_path=path, config={"lr": 0.1})
    saved = TrainingCheckpoint.load(path, tensor_from_numpy=np.asarray)
    assert (saved.epochs_done, saved.totals.batches, saved.config) == (2, 0, {"lr": 0.1})
    assert saved.history.to_dicts() == history.to_dicts()
    for name, value in weights(model).items():
        np.testing.assert_array_equal(saved.model_state[name], value)


@pytest.mark.parametrize("interrupt", [InterruptAt(epoch=2, step=3), InterruptAt(epoch=1)],
                         ids=["mid-epoch", "end-of-epoch"])
def test_resuming_after_an_interrupt_is_bit_identical(engine, tmp_path, interrupt):
    uninterrupted_model, uninterrupted_history = train(engine, epochs=3)

    path = tmp_path / "checkpoint.npz"
    with pytest.raises(KeyboardInterrupt):
        train(engine, epochs=3, checkpoint_path=path, callbacks=[interrupt])
    saved = TrainingCheckpoint.load(path, tensor_from_numpy=np.asarray)
    expected_position = (interrupt.epoch - 1, interrupt.step) if interrupt.step else (interrupt.epoch, 0)
    assert (saved.epochs_done, saved.totals.batches) == expected_position

    # A fresh process would start from other weights and an unseeded generator.
    model, optimizer = make_model(engine, seed=99)
    loader = make_loader(engine, seed=12345)
    history = fit(model, loader, epochs=3, optimizer=optimizer, loss_fn=engine.nn.CrossEntropyLoss(),
                  log_format="none", resume_from=path)

    for name, value in weights(uninterrupted_model).items():
        assert np.array_equal(weights(model)[name], value), name
    strip_time = [{**row, "seconds": None} for row in uninterrupted_history.to_dicts()]
    assert [{**row, "seconds": None} for row in history.to_dicts()] == strip_time


@pytest.mark.parametrize("interrupt", [InterruptAt(epoch=2, step=3), InterruptAt(epoch=1)],
                         ids=["mid-epoch", "end-of-epoch"])
def test_a_learning_rate_schedule_resumes_where_it_stopped(engine, tmp_path, interrupt):
    def run(model_seed, loader_seed, **options):
        model, optimizer = make_model(engine, seed=model_seed)
        scheduler = engine.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=3)
        fit(model, make_loader(engine, seed=loader_seed), epochs=3, optimizer=optimizer,
            loss_fn=engine.nn.CrossEntropyLoss(), log_format="none", scheduler=scheduler, **options)
        return model, optimizer

    uninterrupted_model, uninterrupted_optimizer = run(0, 7)
    path = tmp_path / "checkpoint.npz"
    with pytest.raises(KeyboardInterrupt):
        run(0, 7, checkpoint_path=path, callbacks=[interrupt])
    model, optimizer = run(99, 12345, resume_from=path)

    assert optimizer.param_groups[0]["lr"] == uninterrupted_optimizer.param_groups[0]["lr"]
    for name, value in weights(uninterrupted_model).items():
        assert np.array_equal(weights(model)[name], value), name


def test_ctrl_c_during_a_weight_update_waits_for_the_update_to_finish(engine, tmp_path):
    uninterrupted_model, _ = train(engine, epochs=2)

    model, optimizer = make_model(engine)
    real_step, steps = optimizer.step, []

    def step_pressing_ctrl_c():
        steps.append(1)
        if len(steps) == 4:
            os.kill(os.getpid(), signal.SIGINT)
        real_step()

    optimizer.step = step_pressing_ctrl_c
    path = tmp_path / "checkpoint.npz"
    with pytest.raises(KeyboardInterrupt):
        fit(model, make_loader(engine), epochs=2, optimizer=optimizer, loss_fn=engine.nn.CrossEntropyLoss(),
            log_format="none", checkpoint_path=path)
    assert TrainingCheckpoint.load(path, tensor_from_numpy=np.asarray).totals.batches == 4

    model, optimizer = make_model(engine, seed=1)
    fit(model, make_loader(engine), epochs=2, optimizer=optimizer, loss_fn=engine.nn.CrossEntropyLoss(),
        log_format="none", resume_from=path)
    for name, value in weights(uninterrupted_model).items():
        assert np.array_equal(weights(model)[name], value), name


class CtrlCDuringValidation:
    """A loader of held-out batches that sends this process a real SIGINT after the first batch of epoch `epoch`."""

    def __init__(self, loader, epoch):
        self.loader, self.epoch, self.passes = loader, epoch, 0

    def __iter__(self):
        self.passes += 1
        for number, batch in enumerate(self.loader):
            yield batch
            if self.passes == self.epoch and number == 0:
                signal.raise_signal(signal.SIGINT)


def test_ctrl_c_during_validation_with_a_cosine_schedule_resumes_bit_identically(engine, tmp_path):
    def run(model_seed, loader_seed, val_loader, **options):
        model, optimizer = make_model(engine, seed=model_seed)
        scheduler = engine.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=3)
        fit(model, make_loader(engine, seed=loader_seed), epochs=3, optimizer=optimizer, val_loader=val_loader,
            loss_fn=engine.nn.CrossEntropyLoss(), log_format="none", scheduler=scheduler, **options)
        return model, optimizer

    held_out = make_loader(engine, samples=48, shuffle=False)
    uninterrupted_model, uninterrupted_optimizer = run(0, 7, held_out)
    path = tmp_path / "checkpoint.npz"
    with pytest.raises(KeyboardInterrupt):
        run(0, 7, CtrlCDuringValidation(held_out, epoch=2), checkpoint_path=path)
    model, optimizer = run(99, 12345, held_out, resume_from=path)

    assert optimizer.param_groups[0]["lr"] == uninterrupted_optimizer.param_groups[0]["lr"]
    for name, value in weights(uninterrupted_model).items():
        assert np.array_equal(weights(model)[name], value), name


def test_lesson_lines_count_samples_and_accuracy_over_all_epochs_as_the_lessons_fit_does(engine, capsys):
    model, optimizer = make_model(engine)
    history = fit(model, make_loader(engine, samples=96, batch_size=16), epochs=2, optimizer=optimizer,
                  loss_fn=engine.nn.CrossEntropyLoss(), log_format="lesson")
    lines = capsys.readouterr().out.splitlines()

    # The lesson: correct = 0; samples = 0 once, then "[{samples}/{epochs * N}]" and 100 * correct / samples.
    assert [line.split("\t")[0] for line in lines] == ["Epoch1:[96/192(50%)]", "Epoch2:[192/192(100%)]"]
    correct = [round(record.train_accuracy * 96) for record in history]
    assert lines[0].endswith(f"Accuracy:{100 * correct[0] / 96: .3f}")
    assert lines[1].endswith(f"Accuracy:{100 * sum(correct) / 192: .3f}")


def test_the_held_out_columns_are_named_for_what_they_hold(engine, tmp_path, capsys):
    model, optimizer = make_model(engine)
    history = fit(model, make_loader(engine), epochs=1, optimizer=optimizer, loss_fn=engine.nn.CrossEntropyLoss(),
                  val_loader=make_loader(engine, shuffle=False), log_format="bar", held_out="test")
    assert "| test loss " in capsys.readouterr().out
    history.to_csv(tmp_path / "test.csv", held_out="test")
    history.to_csv(tmp_path / "val.csv")
    assert (tmp_path / "test.csv").read_text().splitlines()[0] == \
        "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds"
    assert (tmp_path / "val.csv").read_text().splitlines()[0] == \
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds"
