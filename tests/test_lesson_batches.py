"""Iterations per epoch are len(DataLoader), as in PyTorch; smaller batches take more steps per epoch."""
import math

import pytest

import gradstep
from gradstep.lesson.batches import TrainingCurve, iterations_per_epoch, train_with_batch_size
from gradstep.utils.data import TensorDataset

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("samples", [1, 7, 1000, 60000])
@pytest.mark.parametrize("batch_size", [1, 3, 32, 128, 1000])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterations_per_epoch_are_len_dataloader_in_gradstep_and_torch(samples, batch_size, drop_last):
    expected = samples // batch_size if drop_last else math.ceil(samples / batch_size)
    torch_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(samples)),
                                               batch_size=batch_size, drop_last=drop_last)
    assert iterations_per_epoch(samples, batch_size, drop_last) == expected == len(torch_loader)


def test_the_table_is_printed_with_the_formulas(capsys):
    from gradstep.lesson.batches import print_iterations_table

    print_iterations_table(60000, [128])
    assert capsys.readouterr().out.splitlines()[-1].split() == ["128", "469", "469", "468", "468"]


def test_training_measures_the_loss_along_the_epochs():
    generator = gradstep.Generator().manual_seed(0)
    data = TensorDataset(gradstep.rand(100, 784, generator=generator),
                         gradstep.randint(0, 10, (100,), generator=generator))
    curves = [train_with_batch_size(data, batch_size, epochs=2, lr=0.1) for batch_size in (100, 10)]
    full, mini = curves
    assert isinstance(full, TrainingCurve)
    assert (full.steps_per_epoch, mini.steps_per_epoch) == (1, 10)
    assert full.epochs == [0.0, 1.0, 2.0]
    assert full.losses[0] == mini.losses[0]  # the same first weights
    assert mini.losses[-1] < full.losses[-1]  # more steps, more learning
    assert all(later >= earlier for earlier, later in zip(mini.seconds, mini.seconds[1:]))
