"""Pictures of training: loss and accuracy curves, the confusion matrix, predictions on images,
a first layer's filters and the feature maps they make.

Each function returns a matplotlib ``Figure`` and, given a ``path``, also saves
it there as a PNG. matplotlib is imported only when a function is called.

    from gradstep.plots import plot_curves

    history = fit(model, train_loader, ...)
    plot_curves(history, "curves.png")
"""
from gradstep.plots.confusion import plot_confusion_matrix
from gradstep.plots.curves import plot_curves
from gradstep.plots.filters import plot_feature_maps, plot_filters
from gradstep.plots.predictions import plot_predictions

__all__ = ["plot_confusion_matrix", "plot_curves", "plot_feature_maps", "plot_filters", "plot_predictions"]
