"""Optimizers with Keras 2's names, defaults and update rules; each update is one fused C++ kernel per parameter.

>>> opt = pydl.optimizers.SGD(lr=0.01, momentum=0.9, nesterov=True)
"""
from ..utils.registry import define as _define, deserialize as _deserialize, resolve as _resolve
from . import schedules
from .optimizer import Optimizer
from .rules import SGD, Adadelta, Adagrad, Adam, Nadam, RMSprop

_BY_NAME = {"sgd": SGD, "adagrad": Adagrad, "adadelta": Adadelta, "rmsprop": RMSprop, "adam": Adam, "nadam": Nadam}


_define("optimizer", "optimizer", _BY_NAME, instances=Optimizer, make=True, key=str.lower, callables=False,
        dicts=lambda spec: deserialize(spec), type_error="cannot interpret {!r} as an optimizer")


def get(identifier):
    """An optimizer from an instance, a name ('adam', 'sgd', ...) with default settings, or a config dict."""
    return _resolve("optimizer", identifier)


def serialize(opt):
    return {"class_name": type(opt).__name__, "config": opt.get_config()}


def deserialize(config, custom_objects=None):
    return _deserialize("optimizer", config, custom_objects)


__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "Nadam", "schedules", "get", "serialize",
           "deserialize"]
