"""The entry point pydl discovers (group ``pydl.plugins``, name ``nlp``): registers the chapter 11 models and
recipes (nlp.dense, nlp.conv, ... one per notebook, and nlp.word2vec)."""
from pydl.plugins import Plugin

from . import __version__


class NLPPlugin(Plugin):
    name = "nlp"
    version = __version__
    requires_pydl = ">=0.1,<0.2"

    def register(self, registry):
        from . import models
        from .recipes import classifiers, word2vec
        models.register(registry)
        registry.add_recipe("word2vec", word2vec.run, help=word2vec.run.__doc__, arguments=word2vec.add_arguments)
        for name in classifiers.SPECS:
            run = classifiers.make(name)
            registry.add_recipe(name, run, help=run.__doc__, arguments=classifiers.arguments(name))
