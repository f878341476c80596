"""Keras module paths that pydl serves from plugins (`pydl.applications.vgg19`, `pydl.preprocessing.image`): each
façade module asks the registry, on first use of a name, for what an installed plugin registered under its path,
so `from pydl.applications.vgg19 import VGG19` works exactly like the plugin's own name, and without the plugin
the error says what to install."""
from .. import registry

# Which plugin provides each façade, for the error message when none is installed.
PROVIDERS = {"applications": "pydl-vision", "preprocessing.image": "pydl-vision"}


def _provider(path):
    for prefix, package in PROVIDERS.items():
        if path == prefix or path.startswith(prefix + "."):
            return package
    return "a plugin that provides it"


def names(path):
    """The dict registered for `path`; ImportError naming the plugin to install when none provides it."""
    found = registry.api(path)
    if found is None:
        raise ImportError(f"pydl.{path} is provided by a plugin: pip install {_provider(path)} "
                          "(`pydl plugins` lists what is installed)")
    return found


def module_getattr(path, module_name):
    """A module-level __getattr__ for the façade of `path` (PEP 562)."""
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        table = names(path)
        if name not in table:
            raise AttributeError(f"module '{module_name}' has no attribute '{name}' (the installed plugin provides "
                                 f"{', '.join(sorted(table))})")
        return table[name]
    return __getattr__


def module_dir(path, module_globals):
    def __dir__():
        found = registry.api(path)
        return sorted(set(module_globals) | set(found or ()))
    return __dir__
