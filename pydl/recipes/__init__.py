"""pydl's own plugin: the book's chapter 5-9 examples as recipes, `pydl run <name>` (or `pydl.<name>`).

Each recipe is one module (docstring, add_arguments(parser), run(args) -> dict) written as the book's notebook
with `keras` replaced by `pydl`; common.py holds what they share (data choice, printout, learning-curve plot).
pydl registers them through the same plugin mechanism it offers to everyone else.
"""
import importlib

from .. import __version__
from ..plugins import Plugin
from ..plugins.tables import CORE

RECIPES = ("shallow_net", "intermediate_net", "deep_net", "regression")


def _help(module):
    return (module.__doc__ or "").strip().splitlines()[0]


class CorePlugin(Plugin):
    name = CORE
    version = __version__
    requires_pydl = ""

    def register(self, registry):
        # importing a recipe module costs only the Keras-style modules it names; nothing runs until `pydl run`
        for name in RECIPES:
            module = importlib.import_module(f"{__name__}.{name}")
            registry.add_recipe(name, module.run, help=_help(module), arguments=module.add_arguments)
