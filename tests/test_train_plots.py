"""The pictures: curves, confusion matrix and predictions are drawn, labelled and saved."""
import matplotlib.image
import numpy as np

from gradstep.plots import plot_confusion_matrix, plot_curves, plot_predictions
from gradstep.train import EpochRecord, History

CLASSES = ["T-shirt/top", "Trouser", "Pullover"]


def _history(with_validation=True):
    return History([
        EpochRecord(epoch, 1 / epoch, 0.6 + 0.1 * epoch,
                    0.9 / epoch if with_validation else None, 0.55 + 0.1 * epoch if with_validation else None, 1.0)
        for epoch in (1, 2, 3)
    ])


def _assert_real_png(path):
    picture = matplotlib.image.imread(path)
    assert picture.shape[0] > 300 and picture[..., :3].std() > 0.05


def test_curves_show_loss_and_accuracy_for_training_and_validation(tmp_path):
    figure = plot_curves(_history(), tmp_path / "curves.png")
    loss, accuracy = figure.axes
    assert [loss.get_xlabel(), loss.get_ylabel()] == ["epoch", "loss (mean per image)"]
    assert [text.get_text() for text in accuracy.get_legend().get_texts()] == ["training", "validation"]
    np.testing.assert_allclose(accuracy.lines[0].get_ydata(), [70, 80, 90])
    _assert_real_png(tmp_path / "curves.png")


def test_curves_without_validation_draw_only_training():
    loss, accuracy = plot_curves(_history(with_validation=False)).axes
    assert len(loss.lines) == len(accuracy.lines) == 1


def test_confusion_matrix_names_the_classes_and_writes_every_count(tmp_path):
    matrix = np.array([[50, 3, 0], [1, 45, 2], [10, 0, 40]])
    figure = plot_confusion_matrix(matrix, CLASSES, tmp_path / "confusion.png")
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == CLASSES
    assert sorted(int(text.get_text()) for text in axes.texts) == sorted(matrix.ravel())
    assert "89.4%" in axes.get_title()
    _assert_real_png(tmp_path / "confusion.png")


def test_predictions_mark_the_wrong_ones_in_red(tmp_path):
    images = np.random.default_rng(0).random((5, 1, 28, 28))
    figure = plot_predictions(images, [0, 1, 2, 0, 1], [0, 2, 2, 0, 0], CLASSES, tmp_path / "p.png", columns=3)
    titled = [axes for axes in figure.axes if axes.get_title()]
    assert [axes.title.get_color() for axes in titled] == ["black", "red", "black", "black", "red"]
    assert titled[1].get_title() == "Pullover\n(true: Trouser)"
    assert "3 of 5 right" in figure.get_suptitle()
    _assert_real_png(tmp_path / "p.png")
