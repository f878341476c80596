"""Plugins register under "<plugin>.<item>"; lookups load only the plugin a name points to."""
import sys

import pytest

import pydl
import pydl.plugins
import pydl.registry as registry


def test_every_kind_is_registered_under_the_plugin_prefix(hello):
    mod = sys.modules.get("pydltest_hello")
    assert mod is None  # installing reads nothing
    assert registry.models["hi.mlp"].__name__ == "mlp"
    mod = sys.modules["pydltest_hello"]
    assert registry.layers["hi.Scale"] is mod.Scale
    assert registry.datasets["hi.pairs"]() == [(1, 2)]
    assert registry.recipes["hi.fit"] is mod.fit
    assert registry.commands["hi.greet"] is mod.greet
    assert "hi.fit" in registry.recipes and "hi.nope" not in registry.recipes and "fit" not in registry.recipes
    assert "hi.fit" in registry.recipes.names() and "hi.fit" in list(registry.recipes)
    assert registry.recipes.get("hi.nope") is None and registry.recipes.get("hi.nope", 7) == 7
    e = registry.recipes.entry("hi.fit")
    assert (e.plugin, e.name, e.help, e.arguments) == ("hi", "hi.fit", "Echo the parsed options.",
                                                       mod.fit_arguments)
    assert registry.datasets.entry("hi.pairs").help == "one pair"


def test_available_describes_the_plugin(hello):
    info = next(p for p in pydl.plugins.available() if p.name == "hi")
    assert (info.status, info.error, info.version, info.requires_pydl) == ("ok", None, "1.2.3", ">=0.1")
    assert (info.dist_name, info.dist_version, info.distribution) == ("fake-hello", "0.4", "fake-hello 0.4")
    assert info.registered == {"models": ["hi.mlp"], "layers": ["hi.Scale"], "datasets": ["hi.pairs"],
                               "recipes": ["hi.fit"], "commands": ["hi.greet"]}
    assert pydl.plugins.load("hi").version == "1.2.3"


def test_unknown_names_raise_keyerror_listing_the_known_ones(hello):
    with pytest.raises(KeyError, match=r"unknown recipe 'hi\.fitt'; available: .*hi\.fit"):
        registry.recipes["hi.fitt"]
    with pytest.raises(KeyError, match="unknown model 'nobody.x'"):
        registry.models["nobody.x"]
    with pytest.raises(KeyError, match="no plugin named 'nobody'; installed: .*hi"):
        pydl.plugins.load("nobody")


def test_a_lookup_imports_only_the_plugin_it_names(site):
    site.add("fake-a", {"a": "pydltest_a:P"}, {"pydltest_a": site.source("a", "registry.add_model('m', len)")})
    site.add("fake-b", {"b": "pydltest_b:P"}, {"pydltest_b": site.source("b", "registry.add_model('m', abs)")})
    assert registry.models["a.m"] is len
    assert "pydltest_a" in sys.modules and "pydltest_b" not in sys.modules
    assert {"a.m", "b.m"} <= set(registry.models.names()) and "pydltest_b" in sys.modules  # names() loads all


@pytest.mark.parametrize("dist", ["pydl-core", "pydl"])  # the PyPI name, and installs made before the rename
def test_core_plugin_names_are_bare_and_prefixed(site, dist):
    # a stand-in for pydl's own plugin: an entry point named "pydl" from pydl's distribution
    site.add(dist, {"pydl": "pydltest_core:P"},
             {"pydltest_core": site.source("pydl", "registry.add_recipe('line', len, help='core recipe')")},
             version=pydl.__version__)
    assert registry.recipes["line"] is len and registry.recipes["pydl.line"] is len
    assert "line" in registry.recipes.names() and "pydl.line" not in registry.recipes.names()
    assert registry.recipes.entry("pydl.line").name == "line"


def test_registrar_rejects_bad_names_and_objects():
    r = registry.Registrar("x")
    with pytest.raises(ValueError, match="no dots"):
        r.add_model("a.b", len)
    with pytest.raises(TypeError, match="expects a Layer class"):
        r.add_layer("L", len)
    with pytest.raises(TypeError, match="expects a callable"):
        r.add_recipe("r", 3)
    r.add_model("m", len)
    with pytest.raises(ValueError, match="registered twice"):
        r.add_model("m", abs)
    r.add_recipe("m", len)  # another kind may reuse the name
    assert [e.key for e in r.staged] == ["x.m", "x.m"]


def test_reset_forgets_and_rescans(hello):
    assert "hi.fit" in registry.recipes
    registry.reset()
    assert registry.recipes._entries == {}
    assert "hi.fit" in registry.recipes


def test_python39_scan_finds_the_same_entry_points(hello, monkeypatch):
    from importlib import metadata

    from pydl.plugins import loader
    modern = sorted((ep.name, ep.value, dist.metadata["Name"]) for ep, dist in loader._entry_points())
    monkeypatch.setattr(metadata, "entry_points", lambda: {})  # 3.9 returns a dict of groups, without .select
    legacy = sorted((ep.name, ep.value, dist.metadata["Name"]) for ep, dist in loader._entry_points())
    assert ("hi", "pydltest_hello:HelloPlugin", "fake-hello") in modern and legacy == modern
