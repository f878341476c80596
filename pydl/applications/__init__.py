"""Keras's `keras.applications` for pydl: `from pydl.applications.vgg19 import VGG19, preprocess_input,
decode_predictions`, or `pydl.applications.VGG19`. The architectures come from a plugin (pydl-vision) through the
registry; without it, using a name raises ImportError saying what to install."""
import importlib

from ..plugins import facade

SUBMODULES = ("vgg16", "vgg19", "resnet50")
# Keras's top-level names and the submodule that holds each
_CLASSES = {"VGG16": "vgg16", "VGG19": "vgg19", "ResNet50": "resnet50"}


def __getattr__(name):
    if name in SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _CLASSES:
        return facade.names(f"applications.{_CLASSES[name]}")[name]
    raise AttributeError(f"module 'pydl.applications' has no attribute '{name}'")


__all__ = list(SUBMODULES) + list(_CLASSES)
