"""`keras.applications.vgg19` for pydl: served by the plugin that registers it (pydl-vision)."""
from ..plugins import facade

__getattr__ = facade.module_getattr("applications.vgg19", __name__)
__dir__ = facade.module_dir("applications.vgg19", globals())
