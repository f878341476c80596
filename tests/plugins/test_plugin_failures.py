"""A plugin that fails in any way is recorded, warned about and skipped; pydl and other plugins keep working."""
import sys

import pytest

import pydl
import pydl.plugins
import pydl.registry as registry
from pydl.plugins import PluginLoadError, PluginWarning

GOOD = ("fake-good", {"good": "pydltest_good:P"})


def _info(name, status=None):
    infos = [p for p in pydl.plugins.available() if p.name == name]
    return [p for p in infos if status is None or p.status == status]


def _add_good(site):
    site.add(*GOOD, {"pydltest_good": site.source("good", "registry.add_recipe('r', len)")})


def test_import_error(site):
    site.add("fake-broken", {"broken": "pydltest_broken:P"},
             {"pydltest_broken": "import pydltest_no_such_module\n"})
    _add_good(site)
    with pytest.warns(PluginWarning, match="plugin 'broken' failed to load: ModuleNotFoundError"):
        (info,) = _info("broken")
    where = site.path / "pydltest_broken.py"  # the error keeps the file and line that raised it
    assert info.status == "error" and info.error == \
        f"ModuleNotFoundError: No module named 'pydltest_no_such_module' (at {where}:1)"
    assert info.traceback.startswith("Traceback (most recent call last):") and f'File "{where}", line 1' in info.traceback
    assert info.registered == {} and info.version is None and info.dist_name == "fake-broken"
    with pytest.raises(PluginLoadError, match=r"^plugin 'broken' failed to load: ModuleNotFoundError: No module") as e:
        registry.recipes["broken.x"]
    assert (e.value.plugin, e.value.reason) == ("broken", info.error)
    with pytest.raises(PluginLoadError):
        pydl.plugins.load("broken")
    assert "broken.x" not in registry.recipes  # membership never raises
    assert registry.recipes["good.r"] is len  # the other plugin is unaffected
    assert (pydl.tensor([1.0, 2.0]) * 2).tolist() == [2.0, 4.0]  # and so is pydl


@pytest.mark.parametrize("code,reason", [("raise RuntimeError('kaboom')", "RuntimeError: kaboom"),
                                         ("import sys; sys.exit(3)", "SystemExit: 3"),
                                         ("from pydl.plugins import Plugin\nclass P(Plugin):\n"
                                          "    def __init__(self): raise TypeError('no init')", "TypeError: no init")])
def test_any_exception_while_importing_or_creating(site, code, reason):
    site.add("fake-boom", {"boom": "pydltest_boom:P"}, {"pydltest_boom": code + "\n"})
    with pytest.warns(PluginWarning):
        with pytest.raises(PluginLoadError, match=rf"plugin 'boom' failed to load: {reason} \(at .*pydltest_boom.py:\d\)$"):
            registry.models["boom.m"]


def test_register_error_rolls_back_partial_registrations(site):
    items = """
        registry.add_model('m', len)
        registry.add_recipe('r', len)
        raise ValueError('half way')
    """
    site.add("fake-half", {"half": "pydltest_half:P"}, {"pydltest_half": site.source("half", items)})
    with pytest.warns(PluginWarning):
        with pytest.raises(PluginLoadError, match=r"register\(\) raised ValueError: half way"):
            registry.models["half.m"]
    assert not any(name.startswith("half.") for name in registry.models.names() + registry.recipes.names())
    assert _info("half")[0].registered == {}


def test_duplicate_plugin_name_keeps_one_and_reports_the_other(site):
    site.add("fake-dup-one", {"dup": "pydltest_dup1:P"},
             {"pydltest_dup1": site.source("dup", "registry.add_model('m', len)\nregistry.add_model('n', len)")})
    site.add("fake-dup-two", {"dup": "pydltest_dup2:P"},
             {"pydltest_dup2": site.source("dup", "registry.add_model('m', abs)\nregistry.add_model('k', abs)")})
    with pytest.warns(PluginWarning, match="duplicate"):
        infos = _info("dup")
    assert sorted(p.status for p in infos) == ["error", "ok"]
    ok, bad = sorted(infos, key=lambda p: p.status != "ok")
    # the message names both distributions
    assert f"already registered by plugin 'dup' ({ok.distribution})" in bad.error and bad.distribution in bad.error
    winner = len if ok.dist_name == "fake-dup-one" else abs
    assert registry.models["dup.m"] is winner
    assert ("dup.k" in registry.models) == (winner is abs) and ("dup.n" in registry.models) == (winner is len)
    with pytest.raises(PluginLoadError, match="duplicate"):
        pydl.plugins.load("dup")


def test_requires_pydl_mismatch(site):
    site.add("fake-future", {"future": "pydltest_future:P"},
             {"pydltest_future": site.source("future", "registry.add_model('m', len)", requires=">=99")})
    with pytest.warns(PluginWarning):
        with pytest.raises(PluginLoadError, match=rf"requires pydl>=99, but this is pydl {pydl.__version__}"):
            registry.models["future.m"]
    assert _info("future")[0].version == "1.0"


def test_malformed_requires_pydl(site):
    site.add("fake-odd", {"odd": "pydltest_odd:P"},
             {"pydltest_odd": site.source("odd", "registry.add_model('m', len)", requires="about 1")})
    with pytest.warns(PluginWarning):
        assert "bad requires_pydl" in _info("odd")[0].error


def test_plugin_name_must_match_entry_point(site):
    site.add("fake-mis", {"mis": "pydltest_mis:P"},
             {"pydltest_mis": site.source("other", "registry.add_model('m', len)")})
    with pytest.warns(PluginWarning):
        assert "P.name is 'other' but its entry point is named 'mis'" in _info("mis")[0].error
    assert "other.m" not in registry.models and "mis.m" not in registry.models


def test_entry_point_must_be_a_plugin(site):
    site.add("fake-notp", {"notp": "pydltest_notp:thing"}, {"pydltest_notp": "thing = 42\n"})
    with pytest.warns(PluginWarning):
        assert "not a pydl.plugins.Plugin subclass" in _info("notp")[0].error


def test_failure_is_warned_once(site, recwarn):
    site.add("fake-broken", {"broken": "pydltest_broken2:P"}, {"pydltest_broken2": "1 / 0\n"})
    for _ in range(3):
        pydl.plugins.available()
        with pytest.raises(PluginLoadError):
            registry.recipes["broken.x"]
    assert sum("plugin 'broken'" in str(w.message) for w in recwarn) == 1
    assert "pydltest_broken2" not in sys.modules


def test_only_the_pydl_distribution_may_be_the_core_plugin(site):
    site.add("fake-core", {"pydl": "pydltest_fakecore:P"},
             {"pydltest_fakecore": site.source("pydl", "registry.add_recipe('sneaky', len)")})
    with pytest.warns(PluginWarning):
        (info,) = [p for p in _info("pydl") if p.dist_name == "fake-core"]
    assert info.status == "error" and "reserved for pydl's own plugin" in info.error
    assert "sneaky" not in registry.recipes
