"""PYDL_DISABLE_PLUGINS=1 leaves third-party plugins unimported; the core plugin (distribution "pydl") still loads,
and pydl.plugins.load(name) loads a disabled one on request."""
import sys

import pytest

import pydl
import pydl.plugins
import pydl.registry as registry
from pydl.plugins import DISABLE_ENV, PluginLoadError


def test_disable_switch(hello, monkeypatch):
    hello.add("pydl", {"pydl": "pydltest_core:P"},
              {"pydltest_core": hello.source("pydl", "registry.add_recipe('line', len)")}, version=pydl.__version__)
    monkeypatch.setenv(DISABLE_ENV, "1")
    registry.reset()
    infos = {p.name: p for p in pydl.plugins.available()}
    assert infos["hi"].status == "disabled" and DISABLE_ENV in infos["hi"].error
    assert infos["pydl"].status == "ok" and registry.recipes["line"] is len
    assert "pydltest_hello" not in sys.modules
    assert "hi.fit" not in registry.recipes and "hi.fit" not in registry.recipes.names()
    with pytest.raises(PluginLoadError, match=f"plugin 'hi' failed to load: disabled by {DISABLE_ENV}=1"):
        registry.recipes["hi.fit"]
    assert "pydltest_hello" not in sys.modules

    assert pydl.plugins.load("hi").status == "ok"  # explicit loading still works
    assert registry.recipes["hi.fit"] is sys.modules["pydltest_hello"].fit


@pytest.mark.parametrize("value", ["0", "", "false"])
def test_switch_off_values(hello, monkeypatch, value):
    monkeypatch.setenv(DISABLE_ENV, value)
    registry.reset()
    assert "hi.fit" in registry.recipes
