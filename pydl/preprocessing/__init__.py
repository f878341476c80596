"""Data preprocessing helpers with Keras's semantics."""
from . import sequence

__all__ = ["sequence"]
