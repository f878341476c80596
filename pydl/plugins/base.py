"""What a plugin is (`Plugin`) and how its failure is reported (`PluginLoadError`)."""


class PluginLoadError(RuntimeError):
    """A plugin could not be imported, checked or registered; raised when one of its names is used.

    `plugin` is the plugin's name, `reason` the recorded cause ("ImportError: ...", "duplicate: ...").
    """

    __module__ = "pydl.plugins"  # where users import it from (and how tracebacks name it)

    def __init__(self, plugin, reason):
        self.plugin, self.reason = plugin, reason
        super().__init__(f"plugin {plugin!r} failed to load: {reason}")


class PluginWarning(UserWarning):
    """Issued once per plugin that fails to load (pydl keeps working without it)."""

    __module__ = "pydl.plugins"


class Plugin:
    """Base class of a pydl plugin, named by an entry point in the ``pydl.plugins`` group.

    >>> class HelloPlugin(Plugin):
    ...     name = "hello"              # must equal the entry point's name; prefixes every name it registers
    ...     version = "0.1.0"
    ...     requires_pydl = ">=0.1"     # PEP 440 specifier checked against pydl.__version__ before register()
    ...     def register(self, registry):
    ...         registry.add_recipe("fit_line", run, help="fit y = 3x - 1", arguments=add_arguments)

    Everything registered becomes "<name>.<item>" (``pydl run hello.fit_line``); if register() raises, nothing
    it added is kept.
    """

    __module__ = "pydl.plugins"

    name = ""            # empty: the entry point's name
    version = "0"
    requires_pydl = ""   # empty: any pydl

    def register(self, registry):
        raise NotImplementedError(f"{type(self).__name__}.register(registry) must add at least one item")

    def __repr__(self):
        return f"<pydl plugin {self.name or '?'} {self.version}>"
