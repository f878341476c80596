"""The entry point pydl discovers (group ``pydl.plugins``, name ``vision``): registers architectures and recipes."""
import importlib

from pydl.plugins import Plugin

from . import __version__

# Each recipe module has a docstring (first line = help), ``add_arguments(parser)`` and ``run(args) -> dict``.
RECIPES = ("lenet5", "alexnet", "vggnet", "resnet", "transfer", "detect", "segment")


class VisionPlugin(Plugin):
    name = "vision"
    version = __version__
    requires_pydl = ">=0.1,<0.2"

    def register(self, registry):
        from . import applications, models
        models.register(registry)
        applications.register(registry)  # keras.applications / keras.preprocessing.image for pydl's façades
        for recipe in RECIPES:
            module = importlib.import_module(f"{__package__}.recipes.{recipe}")
            registry.add_recipe(recipe, module.run, help=(module.__doc__ or "").strip().splitlines()[0],
                                arguments=getattr(module, "add_arguments", None))
