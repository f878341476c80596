"""The registry of classes that configs may name (layers, initializers, regularizers, optimizers, losses, ...).

Saved models name classes; loading resolves each name only here (or in the caller's explicit `custom_objects`),
so a file can never make pydl import or run anything else.
"""

_REGISTRY = {}  # kind -> {name: object}


def register(kind, name=None):
    """Class decorator: makes `cls` loadable by `name` (default: its class name) under `kind`."""
    def deco(obj):
        _REGISTRY.setdefault(kind, {})[name or obj.__name__] = obj
        return obj
    return deco


def names(kind):
    return sorted(_REGISTRY.get(kind, {}))


def lookup(kind, name, custom_objects=None):  # noqa: F811 (the argument shadows the function below)
    """The object registered as `name`, or ValueError listing the valid names."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    scoped = globals()["custom_objects"]()
    if name in scoped:
        return scoped[name]
    table = _REGISTRY.get(kind, {})
    if name in table:
        return table[name]
    plugins = ""
    if kind == "layer" and "." in name:  # "<plugin>.<Name>": a layer a plugin registered (PluginLoadError passes)
        from .. import registry
        try:
            return registry.layers[name]
        except KeyError as e:
            plugins = f"; plugin layers: {e.args[0] if e.args else e}"
    raise ValueError(f"Unknown {kind} '{name}'. Valid names: {', '.join(sorted(table))}"
                     + (" (pass custom_objects={...} for your own classes)" if kind == "layer" else "") + plugins)


def serialize(obj):
    """{'class_name': ..., 'config': ...} for an object with get_config()."""
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


class Configurable:
    """The config half of Keras's serializable objects (initializers, constraints, regularizers, schedules):
    get_config() lists the constructor's arguments, from_config() calls the constructor with them."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def deserialize(kind, spec, custom_objects=None):
    """An object from {'class_name', 'config'} via its class's from_config (or the constructor)."""
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"cannot deserialize a {kind} from {spec!r}: expected a dict with 'class_name' and 'config'")
    cls = lookup(kind, spec["class_name"], custom_objects)
    config = spec.get("config", {}) or {}
    if hasattr(cls, "from_config"):
        return cls.from_config(config)
    return cls(**config)


class _Kind:
    """How `resolve` reads identifiers of one kind (the rules each `get()` used to spell out by hand)."""

    def __init__(self, noun, names, *, none=None, accepts_none=False, instances=(), make=False,
                 classes=False, dicts=None, callables=True, scoped=False, key=None, valid=None, hint="",
                 type_error=None):
        self.noun, self.names, self.none, self.accepts_none = noun, names, none, accepts_none
        self.instances, self.make, self.classes, self.dicts, self.callables = instances, make, classes, dicts, callables
        self.scoped, self.key, self.valid, self.hint, self.type_error = scoped, key, valid, hint, type_error


_KINDS = {}  # kind ("activation", "loss", ...) -> _Kind


def define(kind, noun, names, **rules):
    """Declare how `resolve(kind, ...)` reads identifiers: `names` maps each valid name to its object; rules:
    `accepts_none`/`none` (what None means), `instances` (classes whose instances pass through), `make` (call the
    named object: names give classes), `classes` (a subclass of `instances` is instantiated), `dicts` (a function
    that reads a config dict), `callables` (other callables pass through), `scoped` (names of the active
    custom_object_scope count), `key` (normalizes a name), `valid` (the listed names), `hint` (appended to the
    unknown-name message, `{name}` filled in), `type_error` (message for other types; None: unknown name)."""
    _KINDS[kind] = _Kind(noun, names, **rules)


def resolve(kind, identifier):
    """The object `identifier` stands for as a `kind` (a name, an instance, a config dict, a callable...): what
    `pydl.activations.get`, `losses.get`, `metrics.get`, `optimizers.get`, `initializers.get` and
    `regularizers.get` return. ValueError for an unknown name (listing the valid ones), TypeError for a value of
    the wrong type."""
    k = _KINDS[kind]
    if identifier is None and k.accepts_none:
        return k.none
    if k.instances and isinstance(identifier, k.instances):
        return identifier
    if isinstance(identifier, str):
        # A user's object wins over a built-in of the same name, as in Keras: a model saved with its own `swish`
        # must not load with pydl's.
        scoped = custom_objects() if k.scoped else {}
        if identifier in scoped:
            return scoped[identifier]
        name = k.key(identifier) if k.key else identifier
        if name in k.names:
            return k.names[name]() if k.make else k.names[name]
        return _unknown(k, identifier)
    if k.dicts is not None and isinstance(identifier, dict):
        return k.dicts(identifier)
    if k.classes and isinstance(identifier, type) and issubclass(identifier, k.instances):
        return identifier()
    if k.callables and callable(identifier):
        return identifier
    if k.type_error is None:
        return _unknown(k, identifier)
    raise TypeError(k.type_error.format(identifier))


def _unknown(k, name):
    valid = k.valid if k.valid is not None else ", ".join(sorted(k.names))
    raise ValueError(f"Unknown {k.noun} '{name}'. Valid names: {valid}{k.hint.format(name=name)}")


_custom_stack = []


class custom_object_scope:
    """Within this block, names in `objects` resolve to those objects (custom layers, activations, functions).

    >>> with pydl.utils.registry.custom_object_scope({'swish': swish}):
    ...     model = pydl.models.load_model('m.pydl')
    """

    def __init__(self, *objects):
        self.objects = {}
        for o in objects:
            self.objects.update(o or {})

    def __enter__(self):
        _custom_stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        _custom_stack.pop()
        return False


def custom_objects():
    """The custom objects of the active scopes, innermost last."""
    out = {}
    for d in _custom_stack:
        out.update(d)
    return out
