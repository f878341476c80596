"""Finding plugins (entry points of group ``pydl.plugins``) and loading them one at a time, each in isolation.

The scan reads installed metadata only and runs once (until `reset`). A plugin is imported when one of its names
is first looked up, or by `available()` / `load()`. Whatever goes wrong (import error, register() error, a name
another plugin holds, an incompatible pydl) is recorded on that plugin's `PluginInfo`, warned about once, and
raised as PluginLoadError only when its names are used; its registrations are discarded, other plugins and pydl
keep working. ``PYDL_DISABLE_PLUGINS=1`` leaves third-party plugins unimported (listed as "disabled",
still loadable with `load(name)`); the core plugin, shipped by the pydl distribution itself, always loads.
"""
import os
import re
import sys
import threading
import traceback
import warnings
from dataclasses import dataclass, field

from . import tables
from .base import Plugin, PluginLoadError, PluginWarning
from .compat import version_matches
from .tables import CORE, CORE_DISTRIBUTIONS

GROUP = "pydl.plugins"
DISABLE_ENV = "PYDL_DISABLE_PLUGINS"


@dataclass
class PluginInfo:
    """What `pydl.plugins.available()` reports about one entry point."""
    name: str                   # entry-point name = prefix of everything it registers
    target: str                 # "module:attribute" the entry point names
    dist_name: str = None       # the distribution that declares it, e.g. "pydl-vision"
    dist_version: str = None
    version: str = None         # Plugin.version, once imported
    requires_pydl: str = None
    status: str = "pending"     # pending | loading | ok | error | disabled
    error: str = None           # "ImportError: ... (at file.py:3)", "duplicate: ...", ...
    traceback: str = None       # the stack of an exception raised by the plugin (`pydl plugins --verbose`)
    registered: dict = field(default_factory=dict)  # kind -> [names], e.g. {"recipes": ["vision.lenet5"]}
    entry_point: object = field(default=None, repr=False, compare=False)

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def distribution(self):
        return f"{self.dist_name} {self.dist_version}" if self.dist_name else "?"


_lock = threading.RLock()
_records = None  # list of PluginInfo once scanned


def _disabled():
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


def _entry_points():
    """[(entry point, its distribution)] of our group."""
    from importlib import metadata
    eps = metadata.entry_points()
    if hasattr(eps, "select"):
        return [(ep, ep.dist) for ep in eps.select(group=GROUP)]
    found, seen = [], set()  # Python 3.9: entry points do not know their distribution
    for dist in metadata.distributions():
        key = _normalize(dist.metadata["Name"])
        if key not in seen:  # the first on sys.path shadows later copies, as imports do
            seen.add(key)
            found += [(ep, dist) for ep in dist.entry_points if ep.group == GROUP]
    return found


def _normalize(dist_name):
    return re.sub(r"[-_.]+", "-", dist_name or "").lower()


def _scan():
    global _records
    if _records is not None:
        return _records
    with _lock:
        if _records is not None:
            return _records
        disabled, records = _disabled(), []
        for ep, dist in _entry_points():
            meta = getattr(dist, "metadata", None)
            rec = PluginInfo(name=ep.name, target=ep.value, entry_point=ep,
                             dist_name=meta["Name"] if meta is not None else None,
                             dist_version=getattr(dist, "version", None))
            if disabled and not _is_core(rec):
                rec.status, rec.error = "disabled", (f"disabled by {DISABLE_ENV}=1 "
                                                     f"(pydl.plugins.load({rec.name!r}) loads it anyway)")
            records.append(rec)
        # the core plugin first, so a third-party plugin can never take its names
        records.sort(key=lambda r: (not _is_core(r), r.name))
        _records = records
    return _records


def _is_core(rec):
    return rec.name == CORE and _normalize(rec.dist_name) in CORE_DISTRIBUTIONS


def _fail(rec, reason):
    rec.status, rec.error = "error", reason
    warnings.warn(f"{PluginLoadError(rec.name, reason)} (pydl continues without it; see `pydl plugins`)",
                  PluginWarning, stacklevel=_caller_level())


def _where(rec, exc):
    """ " (at FILE:LINE)" of the innermost frame of exc's stack, which is kept whole in rec.traceback."""
    rec.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]  # not importlib's
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" (at {exc.filename}:{exc.lineno})"
    return f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def _caller_level():
    """warnings' stacklevel of the first frame outside pydl, so the warning points at the user's line."""
    frame, level = sys._getframe(2), 2  # the caller of _fail
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] in ("pydl", "importlib"):
        frame, level = frame.f_back, level + 1
    return level


def _owner(entry):
    for r in _records or ():
        if r.name == entry.plugin and r.status == "ok":
            return f"plugin {r.name!r} ({r.distribution})"
    return f"plugin {entry.plugin!r}"


def _load(rec):
    """Import, check and register one plugin; every failure ends in _fail, never in an exception."""
    rec.status = "loading"
    try:
        obj = rec.entry_point.load()
        plugin = obj() if isinstance(obj, type) and issubclass(obj, Plugin) else obj
    except (Exception, SystemExit) as e:  # a plugin calling sys.exit() on import must not end the program
        return _fail(rec, f"{type(e).__name__}: {e}{_where(rec, e)}")
    if not isinstance(plugin, Plugin):
        return _fail(rec, f"entry point {rec.target!r} gives {obj!r}, not a pydl.plugins.Plugin subclass")
    if not tables.NAME.match(rec.name):
        return _fail(rec, f"invalid plugin name {rec.name!r} (letters, digits, '_' or '-'; no dots)")
    if rec.name == CORE and not _is_core(rec):
        return _fail(rec, f"the plugin name {CORE!r} is reserved for pydl's own plugin")
    if plugin.name and plugin.name != rec.name:
        return _fail(rec, f"{type(plugin).__name__}.name is {plugin.name!r} but its entry point is named "
                          f"{rec.name!r}; they must match")
    rec.version, rec.requires_pydl = str(plugin.version), plugin.requires_pydl or ""
    import pydl
    try:
        compatible = version_matches(rec.requires_pydl, pydl.__version__)
    except ValueError as e:
        return _fail(rec, f"bad requires_pydl: {e}")
    if not compatible:
        return _fail(rec, f"requires pydl{rec.requires_pydl}, but this is pydl {pydl.__version__}")
    staging = tables.Registrar(rec.name)
    try:
        plugin.register(staging)
    except (Exception, SystemExit) as e:
        return _fail(rec, f"register() raised {type(e).__name__}: {e}{_where(rec, e)}")
    try:
        tables.commit(staging.staged, _owner)
    except tables.DuplicateNameError as e:
        return _fail(rec, f"duplicate: {e}; not registering {rec.distribution}")
    rec.registered = {}
    for e in staging.staged:
        rec.registered.setdefault(e.kind, []).append(e.name)
    rec.status = "ok"


def ensure(name):
    """Load the plugin(s) whose entry point is `name`, if not done yet (disabled ones stay unloaded)."""
    with _lock:
        for rec in _scan():
            if rec.name == name and rec.status == "pending":
                _load(rec)


def ensure_all():
    with _lock:
        for rec in _scan():
            if rec.status == "pending":
                _load(rec)


def raise_if_failed(name):
    """PluginLoadError if a plugin called `name` is broken or disabled (its names cannot be served)."""
    for rec in _scan():
        if rec.name == name and rec.status in ("error", "disabled"):
            raise PluginLoadError(rec.name, rec.error)


def available():
    """Every plugin entry point with its status, loading the ones not loaded yet (see PluginInfo)."""
    ensure_all()
    return [PluginInfo(**{**vars(r), "registered": {k: list(v) for k, v in r.registered.items()}})
            for r in _scan()]


def load(name):
    """Load plugin `name` now, even under PYDL_DISABLE_PLUGINS; its PluginInfo, or PluginLoadError if it (or
    another plugin of the same name) failed, KeyError if no entry point has that name."""
    with _lock:
        recs = [r for r in _scan() if r.name == name]
        if not recs:
            known = sorted({r.name for r in _scan()})
            raise tables.UnknownNameError(f"no plugin named {name!r}; installed: {', '.join(known) or '(none)'}")
        for rec in recs:
            if rec.status in ("pending", "disabled"):
                _load(rec)
        for rec in recs:
            if rec.status == "error":
                raise PluginLoadError(rec.name, rec.error)
        return next(r for r in available() if r.name == name and r.ok)


def reset():
    """Forget every registration and the scan; the next lookup scans entry points again (for tests)."""
    global _records
    with _lock:
        _records = None
        tables.clear()
        import importlib
        importlib.invalidate_caches()
