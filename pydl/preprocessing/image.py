"""`keras.preprocessing.image` for pydl (ImageDataGenerator, load_img, img_to_array, array_to_img, ...): served by
the plugin that registers it (pydl-vision); without it, using a name raises ImportError saying what to install."""
from ..plugins import facade

__getattr__ = facade.module_getattr("preprocessing.image", __name__)
__dir__ = facade.module_dir("preprocessing.image", globals())
