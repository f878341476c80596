"""Everything plugins register, looked up by dotted name: ``pydl.registry.recipes["vision.lenet5"]``.

Six tables (models, layers, datasets, recipes, commands, apis). A plugin's items are named "<plugin>.<item>"; the core
plugin "pydl" (pydl's own recipes) also answers to the bare item name, so "shallow_net" == "pydl.shallow_net".
Plugins load on first use of a table (only the plugin a name points to, when a name is given), never during
``import pydl``. A name from a plugin that failed to load raises `pydl.plugins.PluginLoadError`; an unknown name
raises KeyError listing the known ones.

This module is the public view only: the data lives in `pydl.plugins.tables`, loading in `pydl.plugins.loader`.
"""
from .plugins import loader
from .plugins.tables import CORE, KINDS, ENTRIES, LAYER_KEYS, DuplicateNameError, Entry, Registrar, UnknownNameError, \
    split

__all__ = ["models", "layers", "datasets", "recipes", "commands", "apis", "api", "layer_name", "reset", "Entry",
           "Registrar", "UnknownNameError", "DuplicateNameError", "CORE", "KINDS"]


class Table:
    """Mapping-like view of one kind: ``t[name]`` is the registered object, ``t.entry(name)`` its `Entry`."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = ENTRIES[kind]  # "<plugin>.<item>" -> Entry, filled by the loader

    def entry(self, name):
        plugin, item = split(name)
        loader.ensure(plugin)
        e = self._entries.get(f"{plugin}.{item}")
        if e is not None:
            return e
        loader.raise_if_failed(plugin)
        known = self.names()
        raise UnknownNameError(f"unknown {self.kind[:-1]} {name!r}; "
                               + (f"available: {', '.join(known)}" if known else
                                  f"no {self.kind} are registered (`pydl plugins` shows what is installed)"))

    def __getitem__(self, name):
        return self.entry(name).obj

    def get(self, name, default=None):
        """The object, or `default` for an unknown name (a broken plugin's name still raises PluginLoadError)."""
        try:
            return self[name]
        except UnknownNameError:
            return default

    def __contains__(self, name):
        try:
            plugin, item = split(name)
        except UnknownNameError:
            return False
        loader.ensure(plugin)
        return f"{plugin}.{item}" in self._entries

    def entries(self):
        """All entries, after loading every plugin, core first then by name."""
        loader.ensure_all()
        return sorted(self._entries.values(), key=lambda e: (e.plugin != CORE, e.name))

    def names(self):
        return [e.name for e in self.entries()]

    def __iter__(self):
        return iter(self.names())

    def __len__(self):
        return len(self.entries())

    def __repr__(self):
        return f"<pydl.registry.{self.kind}: {len(self._entries)} loaded>"


models, layers, datasets, recipes, commands, apis = (Table(k) for k in KINDS)


def api(path):
    """The names some plugin registered for Keras module path `path` (a dict), or None when no installed plugin
    provides it. Loads every plugin (a façade module is used only when the user asks for one of its names)."""
    found = [e for e in apis.entries() if e.item == path]
    return found[0].obj if found else None


def layer_name(cls):
    """The name a saved config should give layer class `cls`: "<plugin>.<Name>" when a plugin registered it, else
    None (core layers keep their class name). Loads the plugins if needed, so it works before any lookup."""
    module = getattr(cls, "__module__", "") or ""
    core_layer = module.startswith("pydl.") and not module.startswith("pydl.recipes")
    if cls not in LAYER_KEYS and not core_layer:
        loader.ensure_all()
    return LAYER_KEYS.get(cls)


def reset():
    """Forget every registration and the plugin scan; the next lookup scans entry points again (for tests)."""
    loader.reset()
