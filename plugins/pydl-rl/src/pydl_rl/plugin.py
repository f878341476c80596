"""The entry point pydl discovers (group ``pydl.plugins``, name ``rl``): registers the chapter 13 recipes
(rl.dqn_book, rl.dqn, rl.double_dqn, rl.reinforce, rl.a2c). Nothing heavy is imported here."""
from pydl.plugins import Plugin

from . import __version__


class RLPlugin(Plugin):
    name = "rl"
    version = __version__
    requires_pydl = ">=0.1,<0.2"

    def register(self, registry):
        from .recipes import agents
        for name in agents.SPECS:
            run = agents.make(name)
            registry.add_recipe(name, run, help=run.__doc__, arguments=agents.arguments(name))
