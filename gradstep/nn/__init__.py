"""``gradstep.nn``: modules, layers, losses, initialisation and the functional API."""
from . import functional, init
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "functional", "init", "Module", "Parameter", "Linear", "Identity", "Sequential", "Flatten", "Dropout",
    "ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss",
]
