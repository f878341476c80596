"""`keras.applications.resnet50` for pydl: served by the plugin that registers it (pydl-vision)."""
from ..plugins import facade

__getattr__ = facade.module_getattr("applications.resnet50", __name__)
__dir__ = facade.module_dir("applications.resnet50", globals())
