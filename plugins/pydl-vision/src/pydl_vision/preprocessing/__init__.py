"""Image preprocessing and augmentation (Keras 2's keras.preprocessing.image), built on NumPy and Pillow."""
from . import image

__all__ = ["image"]
