"""The entry point pydl discovers (group ``pydl.plugins``, name ``hello``).

Keep this module cheap to import: pydl imports it the first time someone asks for a "hello.*" name (or runs
`pydl plugins`), so heavy imports belong inside the functions it registers.
"""
from pydl.plugins import Plugin

from . import __version__


class HelloPlugin(Plugin):
    name = "hello"             # = the entry point's name; prefixes every registered name
    version = __version__
    requires_pydl = ">=0.1,<0.2"    # PEP 440; a mismatch is reported by `pydl plugins` instead of breaking pydl

    def register(self, registry):
        # If anything here raises, pydl discards all of this plugin's registrations and reports the error.
        from . import models
        from .recipes import fit_line
        registry.add_model("mlp", models.mlp)                       # pydl.registry.models["hello.mlp"]
        registry.add_recipe("fit_line", fit_line.run, help=fit_line.__doc__.strip().splitlines()[0],
                            arguments=fit_line.add_arguments)       # pydl run hello.fit_line
