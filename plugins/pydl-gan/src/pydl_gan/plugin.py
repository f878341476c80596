"""The entry point pydl discovers (group ``pydl.plugins``, name ``gan``): registers the chapter 12 models and the
recipes gan.quickdraw, gan.dcgan and gan.conditional."""
from pydl.plugins import Plugin

from . import __version__


class GANPlugin(Plugin):
    name = "gan"
    version = __version__
    requires_pydl = ">=0.1,<0.2"

    def register(self, registry):
        from . import models
        from .recipes import gan
        models.register(registry)
        for name in gan.RECIPES:
            run = gan.make(name)
            registry.add_recipe(name, run, help=run.__doc__, arguments=gan.arguments(name))
