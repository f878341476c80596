"""Data preprocessing helpers with Keras's semantics. `image` is a façade over the vision plugin (imported on use)."""
from . import sequence

__all__ = ["sequence", "image"]


def __getattr__(name):
    if name == "image":
        import importlib
        return importlib.import_module(".image", __name__)
    raise AttributeError(f"module 'pydl.preprocessing' has no attribute '{name}'")
