"""The registry's data: what each plugin registered, kind by kind, and the rules a name must follow.

Plain data and checks only: nothing here loads a plugin (pydl.plugins.loader does) or is looked up by users
(pydl.registry is the public view). Every other registry module imports this one; it imports none of them.
"""
import re

CORE = "pydl"  # the core plugin (pydl's own recipes): its items also answer to their bare name
# the distributions that may ship it: pydl-core (the PyPI name) and "pydl" (installs made before the rename)
CORE_DISTRIBUTIONS = ("pydl-core", "pydl")
KINDS = ("models", "layers", "datasets", "recipes", "commands", "apis")
# A plugin name or an item name: no dots, since the first dot always separates plugin from item.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
API_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")  # a Keras module path: "applications.vgg19"

ENTRIES = {kind: {} for kind in KINDS}  # kind -> {"<plugin>.<item>": Entry}
LAYER_KEYS = {}  # plugin layer class -> "<plugin>.<Name>", for saving


class UnknownNameError(KeyError):
    """KeyError whose message reads as a sentence (KeyError's own str() shows the repr)."""

    __module__ = "pydl.registry"

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(ValueError):
    __module__ = "pydl.registry"


class Entry:
    """One registered item: `obj` (function or class), its `help` line, and for recipes/commands `arguments`."""

    __slots__ = ("kind", "plugin", "item", "obj", "help", "arguments")
    __module__ = "pydl.registry"

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


def split(name):
    """("<plugin>", "<item>") of a looked-up name; a bare name belongs to the core plugin."""
    if not isinstance(name, str) or not name:
        raise UnknownNameError(f"expected a non-empty name string, got {name!r}")
    plugin, dot, item = name.partition(".")
    return (plugin, item) if dot else (CORE, name)


class Registrar:
    """What `Plugin.register(registry)` receives: collects the plugin's items; pydl commits them only if
    register() returns without error and no name is taken, so a failing plugin leaves nothing behind."""

    __module__ = "pydl.registry"

    def __init__(self, plugin):
        self.name = plugin
        self.staged = []

    def _add(self, kind, item, obj, help="", arguments=None):
        if kind == "apis":
            if not isinstance(item, str) or not API_PATH.match(item):
                raise ValueError(f"api path must be a dotted lower-case module path such as 'applications.vgg19', "
                                 f"got {item!r}")
        elif not isinstance(item, str) or not NAME.match(item):
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
        path: `add_api("applications.vgg19", ...)` serves `pydl.applications.vgg19` (see `pydl.registry.api()`)."""
        if not isinstance(names, dict) or not all(isinstance(k, str) and k.isidentifier() for k in names):
            raise TypeError(f"add_api({path!r}, ...) expects a dict of identifier -> object, got {names!r}")
        self._add("apis", path, dict(names), help)


def commit(staged, owner):
    """Add a plugin's staged entries all at once; DuplicateNameError (adding nothing) if a name is taken.
    `owner(entry)` describes who holds a name, for the message."""
    for e in staged:
        held = ENTRIES[e.kind].get(e.key)
        if held is not None:
            raise DuplicateNameError(f"{e.kind[:-1]} {e.key!r} is already registered by {owner(held)}")
    for e in staged:
        ENTRIES[e.kind][e.key] = e
        if e.kind == "layers":
            LAYER_KEYS[e.obj] = e.key


def clear():
    for entries in ENTRIES.values():
        entries.clear()
    LAYER_KEYS.clear()
