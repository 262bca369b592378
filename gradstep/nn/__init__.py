"""``gradstep.nn``: modules, layers, losses, initialisation and the functional API."""
from . import functional, init, utils
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Linear", "Identity", "Sequential", "ModuleList",
    "ModuleDict", "ParameterList", "ParameterDict", "Flatten", "Dropout", "ReLU", "LeakyReLU", "ELU", "GELU",
    "SiLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss",
]
