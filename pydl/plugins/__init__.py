"""pydl plugins: packages that add models, layers, datasets, recipes and commands through the entry-point group
``pydl.plugins``. Nothing here runs during ``import pydl``; plugins load on first use.

>>> import pydl.plugins
>>> [(p.name, p.status) for p in pydl.plugins.available()]   # doctest: +SKIP
[('pydl', 'ok'), ('vision', 'ok')]
"""
from .base import Plugin, PluginLoadError, PluginWarning
from .loader import DISABLE_ENV, GROUP, PluginInfo, available, load

__all__ = ["Plugin", "PluginLoadError", "PluginWarning", "PluginInfo", "available", "load", "GROUP", "DISABLE_ENV"]
