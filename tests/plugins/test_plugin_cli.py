"""`pydl plugins`, `pydl run`, plugin commands, and that `import pydl` / `pydl info` never scan plugins."""
import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from pydl.cli import main

# the CLI shows plugin errors in its output; a PluginWarning on top would only repeat them
no_warning = pytest.mark.filterwarnings("error::pydl.plugins.PluginWarning")


def _result(out):
    (line,) = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    return json.loads(line[len("RESULT "):])


def test_run_passes_common_and_recipe_options(hello, capsys, restore_threads):
    assert main(["run", "hi.fit", "--epochs", "3", "--batch-size", "8", "--seed", "5", "--plot", "p.png",
                 "--verbose", "2", "--threads", "1", "--flag", "on"]) == 0
    assert _result(capsys.readouterr().out) == {"epochs": 3, "batch_size": 8, "seed": 5, "plot": "p.png",
                                                "verbose": 2, "threads": 1, "flag": "on", "threads_now": 1}


def test_run_defaults(hello, capsys):
    assert main(["run", "hi.fit"]) == 0
    r = _result(capsys.readouterr().out)
    assert (r["epochs"], r["batch_size"], r["seed"], r["plot"], r["verbose"], r["threads"], r["flag"]) == \
        (None, None, 0, None, 1, None, "none")


def test_run_recipe_help_shows_both_option_sets(hello, capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "hi.fit", "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "usage: pydl run hi.fit" in out and "Echo the parsed options." in out
    assert "--epochs" in out and "--threads" in out and "--flag" in out and "a recipe-specific option" in out


def test_run_bad_option_value_is_a_usage_error(hello, capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "hi.fit", "--verbose", "3"])
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err


@no_warning
@pytest.mark.parametrize("argv", [["run"], ["run", "--list"]])
def test_run_lists_recipes(hello, capsys, argv):
    hello.add("fake-broken", {"broken": "pydltest_broken3:P"}, {"pydltest_broken3": "import nothing_here_x\n"})
    assert main(argv) == 0  # no PluginWarning: the listing shows the error itself
    out = capsys.readouterr().out
    assert any(ln.split() == ["hi.fit", "Echo", "the", "parsed", "options."] for ln in out.splitlines()), out
    assert "plugin 'broken' (fake-broken 0.1) error: ModuleNotFoundError" in out


@no_warning
def test_run_unknown_or_broken_recipe(hello, capsys):
    assert main(["run", "hi.nope"]) == 2
    assert "unknown recipe 'hi.nope'; available: " in capsys.readouterr().err
    hello.add("fake-broken", {"broken": "pydltest_broken4:P"}, {"pydltest_broken4": "import nothing_here_y\n"})
    assert main(["run", "broken.fit"]) == 1
    assert "cannot run 'broken.fit': plugin 'broken' failed to load: ModuleNotFoundError" in capsys.readouterr().err


def test_plugin_command(hello, capsys):
    assert main(["hi.greet", "--who", "Ada"]) == 3  # the command's return value is the exit code
    assert capsys.readouterr().out == "hello Ada\n"
    assert main(["hi.nothing"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'hi.nothing'" in err and "info" in err and "hi.greet" in err


@no_warning
def test_plugins_listing(hello, capsys):
    hello.add("fake-future", {"future": "pydltest_future2:P"},
              {"pydltest_future2": hello.source("future", "registry.add_model('m', len)", requires=">=99")})
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["PLUGIN", "VERSION", "DISTRIBUTION", "STATUS"]
    assert ["hi", "1.2.3", "fake-hello", "0.4", "ok"] in [ln.split() for ln in lines]
    assert "    1 recipe: hi.fit" in lines and "    1 layer: hi.Scale" in lines
    assert ["future", "1.0", "fake-future", "0.1", "error"] in [ln.split() for ln in lines]
    assert any(ln.startswith("    error: requires pydl>=99") for ln in lines)


# --- in a fresh interpreter -------------------------------------------------------------------------------------

SPY = textwrap.dedent("""
    import importlib.metadata as md, sys
    calls = []
    for fn in ("entry_points", "distributions", "distribution"):
        real = getattr(md, fn)
        setattr(md, fn, lambda *a, _real=real, _fn=fn, **k: (calls.append(_fn), _real(*a, **k))[1])
""")


def _python(code, site, timeout=120):
    return subprocess.run([sys.executable, "-c", SPY + textwrap.dedent(code)], capture_output=True, text=True,
                          env=site.env(), cwd=site.path.parent, timeout=timeout)


def test_import_pydl_scans_no_plugins(hello):
    r = _python("""
        import pydl
        pydl.tensor([1.0]) + 1
        assert calls == [], calls
        assert not [m for m in sys.modules if m.startswith(("pydl.plugins", "pydl.registry", "pydltest_"))]
        import pydl.registry
        assert calls == [] and "pydltest_hello" not in sys.modules  # nor importing the registry
        assert "hi.fit" in pydl.registry.recipes
        assert "entry_points" in calls and "pydltest_hello" in sys.modules
        print("OK")
    """, hello)
    assert r.returncode == 0 and r.stdout.strip() == "OK", r.stderr[-3000:]


def test_pydl_info_scans_no_plugins(hello):
    r = _python("""
        from pydl.cli import main
        assert main(["info"]) == 0
        assert calls == [] and "pydl.plugins" not in sys.modules, calls
    """, hello)
    assert r.returncode == 0 and "version" in r.stdout, r.stderr[-3000:]


COMMANDS = [[sys.executable, "-m", "pydl"]]
if shutil.which("pydl"):
    COMMANDS.append([shutil.which("pydl")])


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: "module" if c[0] == sys.executable else "script")
def test_cli_in_a_subprocess(hello, cmd):
    def pydl_cli(*args):
        return subprocess.run(cmd + list(args), capture_output=True, text=True, env=hello.env(),
                              cwd=hello.path.parent, timeout=120)
    r = pydl_cli("plugins")
    assert r.returncode == 0 and ["hi", "1.2.3", "fake-hello", "0.4", "ok"] in [ln.split() for ln in
                                                                                  r.stdout.splitlines()], r.stderr
    r = pydl_cli("run", "--list")
    assert r.returncode == 0 and "hi.fit" in r.stdout, r.stderr
    r = pydl_cli("run", "hi.fit", "--epochs", "2", "--flag", "x")
    assert r.returncode == 0 and _result(r.stdout)["epochs"] == 2 and _result(r.stdout)["flag"] == "x", r.stderr
    r = pydl_cli("run", "hi.zzz")
    assert r.returncode == 2 and "unknown recipe 'hi.zzz'" in r.stderr
