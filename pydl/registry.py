"""Everything plugins register, looked up by dotted name: ``pydl.registry.recipes["vision.lenet5"]``.

Six tables (models, layers, datasets, recipes, commands, apis). A plugin's items are named "<plugin>.<item>"; the core
plugin "pydl" (pydl's own recipes) also answers to the bare item name, so "shallow_net" == "pydl.shallow_net".
Plugins load on first use of a table (only the plugin a name points to, when a name is given), never during
``import pydl``. A name from a plugin that failed to load raises `pydl.plugins.PluginLoadError`; an unknown name
raises KeyError listing the known ones.
"""
import re

CORE = "pydl"
KINDS = ("models", "layers", "datasets", "recipes", "commands", "apis")
_ITEM = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # no dots: the first dot always separates plugin from item
_API_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")  # a Keras module path: "applications.vgg19"


class UnknownNameError(KeyError):
    """KeyError whose message reads as a sentence (KeyError's own str() shows the repr)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(ValueError):
    pass


class Entry:
    """One registered item: `obj` (function or class), its `help` line, and for recipes/commands `arguments`."""

    __slots__ = ("kind", "plugin", "item", "obj", "help", "arguments")

    def __init__(self, kind, plugin, item, obj, help="", arguments=None):
        self.kind, self.plugin, self.item, self.obj, self.arguments = kind, plugin, item, obj, arguments
        self.help = help or (getattr(obj, "__doc__", None) or "").strip().split("\n")[0].strip()

    @property
    def key(self):
        return f"{self.plugin}.{self.item}"

    @property
    def name(self):
        """The name shown to users: bare for the core plugin, "<plugin>.<item>" otherwise."""
        return self.item if self.plugin == CORE else self.key

    def __repr__(self):
        return f"<{self.kind[:-1]} {self.name!r} from plugin {self.plugin!r}>"


def _split(name):
    if not isinstance(name, str) or not name:
        raise UnknownNameError(f"expected a non-empty name string, got {name!r}")
    plugin, dot, item = name.partition(".")
    return (plugin, item) if dot else (CORE, name)


class Table:
    """Mapping-like view of one kind: ``t[name]`` is the registered object, ``t.entry(name)`` its `Entry`."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}  # "<plugin>.<item>" -> Entry

    def entry(self, name):
        from .plugins import loader
        plugin, item = _split(name)
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
        from .plugins import loader
        try:
            plugin, item = _split(name)
        except UnknownNameError:
            return False
        loader.ensure(plugin)
        return f"{plugin}.{item}" in self._entries

    def entries(self):
        """All entries, after loading every plugin, core first then by name."""
        from .plugins import loader
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
_TABLES = dict(zip(KINDS, (models, layers, datasets, recipes, commands, apis)))


def api(path):
    """The names some plugin registered for Keras module path `path` (a dict), or None when no installed plugin
    provides it. Loads every plugin (a façade module is used only when the user asks for one of its names)."""
    found = [e for e in apis.entries() if e.item == path]
    return found[0].obj if found else None


class Registrar:
    """What `Plugin.register(registry)` receives: collects the plugin's items; pydl commits them only if
    register() returns without error and no name is taken, so a failing plugin leaves nothing behind."""

    def __init__(self, plugin):
        self.name = plugin
        self.staged = []

    def _add(self, kind, item, obj, help="", arguments=None):
        if kind == "apis":
            if not isinstance(item, str) or not _API_PATH.match(item):
                raise ValueError(f"api path must be a dotted lower-case module path such as 'applications.vgg19', "
                                 f"got {item!r}")
        elif not isinstance(item, str) or not _ITEM.match(item):
            raise ValueError(f"{kind[:-1]} name must be letters, digits, '_' or '-' (no dots; pydl adds the "
                             f"'{self.name}.' prefix), got {item!r}")
        if kind == "layers" and not isinstance(obj, type):
            raise TypeError(f"add_layer({item!r}, ...) expects a Layer class, got {obj!r}")
        if kind not in ("layers", "apis") and not callable(obj):
            raise TypeError(f"add_{kind[:-1]}({item!r}, ...) expects a callable, got {obj!r}")
        if arguments is not None and not callable(arguments):
            raise TypeError(f"arguments= of {item!r} must be a function(parser), got {arguments!r}")
        if any(e.kind == kind and e.item == item for e in self.staged):
            raise ValueError(f"{kind[:-1]} {item!r} registered twice by plugin {self.name!r}")
        self.staged.append(Entry(kind, self.name, item, obj, help, arguments))

    def add_model(self, name, fn, help=""):
        """An architecture: `fn(**kwargs)` returns a model. Looked up as "<plugin>.<name>"."""
        self._add("models", name, fn, help)

    def add_layer(self, name, cls, help=""):
        """A Layer class; saved models name it "<plugin>.<name>" and load it back through this registry."""
        self._add("layers", name, cls, help)

    def add_dataset(self, name, fn, help=""):
        """A loader: `fn(**kwargs)` returns the data (e.g. ((x_train, y_train), (x_test, y_test)))."""
        self._add("datasets", name, fn, help)

    def add_recipe(self, name, run, help="", arguments=None):
        """`pydl run <plugin>.<name>`: `arguments(parser)` adds options, `run(args)` returns a dict of results."""
        self._add("recipes", name, run, help, arguments)

    def add_command(self, name, fn, help="", arguments=None):
        """An extra `pydl <plugin>.<name>` subcommand: `arguments(parser)`, then `fn(args)` returns an exit code."""
        self._add("commands", name, fn, help, arguments)

    def add_api(self, path, names, help=""):
        """The names a Keras module offers (`{"VGG19": fn, "preprocess_input": fn}`) for pydl's façade of that module
        path: `add_api("applications.vgg19", ...)` serves `pydl.applications.vgg19` (see `api()`)."""
        if not isinstance(names, dict) or not all(isinstance(k, str) and k.isidentifier() for k in names):
            raise TypeError(f"add_api({path!r}, ...) expects a dict of identifier -> object, got {names!r}")
        self._add("apis", path, dict(names), help)


def commit(staged, owner):
    """Add a plugin's staged entries all at once; DuplicateNameError (adding nothing) if a name is taken.
    `owner(plugin)` describes who holds a name, for the message."""
    for e in staged:
        held = _TABLES[e.kind]._entries.get(e.key)
        if held is not None:
            raise DuplicateNameError(f"{e.kind[:-1]} {e.key!r} is already registered by {owner(held)}")
    for e in staged:
        _TABLES[e.kind]._entries[e.key] = e
        if e.kind == "layers":
            _layer_keys[e.obj] = e.key


_layer_keys = {}  # plugin layer class -> "<plugin>.<Name>", for saving


def layer_name(cls):
    """The name a saved config should give layer class `cls`: "<plugin>.<Name>" when a plugin registered it, else
    None (core layers keep their class name). Loads the plugins if needed, so it works before any lookup."""
    module = getattr(cls, "__module__", "") or ""
    core_layer = module.startswith("pydl.") and not module.startswith("pydl.recipes")
    if cls not in _layer_keys and not core_layer:
        from .plugins import loader
        loader.ensure_all()
    return _layer_keys.get(cls)


def reset():
    """Forget every registration and the plugin scan; the next lookup scans entry points again (for tests)."""
    from .plugins import loader
    for t in _TABLES.values():
        t._entries.clear()
    _layer_keys.clear()
    loader.reset()
