"""Optimizers with Keras 2's names, defaults and update rules; each update is one fused C++ kernel per parameter.

>>> opt = pydl.optimizers.SGD(lr=0.01, momentum=0.9, nesterov=True)
"""
from ..utils.registry import deserialize as _deserialize
from . import schedules
from .optimizer import Optimizer
from .rules import SGD, Adadelta, Adagrad, Adam, Nadam, RMSprop

_BY_NAME = {"sgd": SGD, "adagrad": Adagrad, "adadelta": Adadelta, "rmsprop": RMSprop, "adam": Adam, "nadam": Nadam}


def get(identifier):
    """An optimizer from an instance, a name ('adam', 'sgd', ...) with default settings, or a config dict."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer '{identifier}'. Valid names: {', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"cannot interpret {identifier!r} as an optimizer")


def serialize(opt):
    return {"class_name": type(opt).__name__, "config": opt.get_config()}


def deserialize(config, custom_objects=None):
    return _deserialize("optimizer", config, custom_objects)


__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "Nadam", "schedules", "get", "serialize",
           "deserialize"]
