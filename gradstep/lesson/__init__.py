"""The lesson's ideas made runnable: backpropagation by hand, gradient descent, momentum, batches and epochs.

One module per idea; most have a ``demo(out_dir)`` that prints what it computes
and draws it, run from the command line as ``gradstep demo NAME``:

* :mod:`gradstep.lesson.backprop`: the chain rule in NumPy, checked against autograd;
* :mod:`gradstep.lesson.descent`: w ← w − η∇L, and what the learning rate η does;
* :mod:`gradstep.lesson.momentum`: momentum in the textbook's form and PyTorch's, and Nesterov's;
* :mod:`gradstep.lesson.adam`: Adam, a step size for each weight;
* :mod:`gradstep.lesson.batches`: full-batch, mini-batch and single-sample training;
* :mod:`gradstep.lesson.surfaces`: the two-weight loss surfaces the walks are drawn on.

Example:
    >>> from gradstep.lesson.batches import iterations_per_epoch
    >>> iterations_per_epoch(60000, batch_size=128)
    469
"""
