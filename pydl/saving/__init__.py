"""Saving models and weights in a data-only format (see pydl.saving.format)."""
from .errors import CorruptFileError
from .serialization import deserialize_layer, model_from_config, model_from_json, model_to_config, serialize_layer


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    from .model_io import save_model as f
    return f(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, max_bytes=None):
    from .model_io import load_model as f
    return f(filepath, custom_objects=custom_objects, compile=compile, max_bytes=max_bytes)


def save_weights(model, filepath, overwrite=True):
    from .model_io import save_weights as f
    return f(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, by_name=False, skip_mismatch=False, max_bytes=None):
    from .model_io import load_weights as f
    return f(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch, max_bytes=max_bytes)


__all__ = ["CorruptFileError", "save_model", "load_model", "save_weights", "load_weights", "serialize_layer", "deserialize_layer",
           "model_to_config", "model_from_config", "model_from_json"]
