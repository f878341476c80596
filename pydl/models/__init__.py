"""Models: Sequential and the functional Model (both on one graph engine), plus loading saved models.

>>> model = pydl.models.Sequential()
>>> model.add(pydl.layers.Dense(64, activation='sigmoid', input_shape=(784,)))
>>> model.add(pydl.layers.Dense(10, activation='softmax'))
>>> model.count_params()
50890
"""
from ..saving.serialization import model_from_config, model_from_json
from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, max_bytes=None):
    """A model saved with model.save(): architecture, weights and (when compile) optimizer and loss settings.
    A file that cannot be decoded raises pydl.saving.CorruptFileError; max_bytes raises the load size cap."""
    from ..saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, max_bytes=max_bytes)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    from ..saving import save_model as _save
    return _save(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def clone_model(model, custom_objects=None):
    """A new model with the same architecture and freshly initialized weights."""
    from ..saving.serialization import model_to_config
    return model_from_config(model_to_config(model), custom_objects)


__all__ = ["Sequential", "Model", "load_model", "save_model", "model_from_config", "model_from_json",
           "clone_model"]
