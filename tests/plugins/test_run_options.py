"""`pydl run` option handling: counts below 1 and unusable --plot paths are one-line usage errors (exit 2) found
before the recipe starts; errors inside a recipe are one line unless --traceback; --help shows the recipe's own
defaults; a typo gets a suggestion; `pydl plugins --verbose` shows a broken plugin's stack; --version; pipes."""
import os
import subprocess
import sys

import pytest

from pydl.cli import main

RECIPE = '''
import json
from pydl.plugins import Plugin


def train(args):
    """Record the options; --fail raises the way a missing data set does."""
    if args.fail:
        raise FileNotFoundError("no such data set: 'nowhere.npz'")
    print("RESULT " + json.dumps({"epochs": args.epochs, "batch_size": args.batch_size, "limit": args.limit}))


def arguments(parser):
    parser.set_defaults(epochs=7, batch_size=64)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--fail", action="store_true")


class P(Plugin):
    name = "opts"
    version = "1.0"
    requires_pydl = ">=0.1"

    def register(self, registry):
        registry.add_recipe("train", train, arguments=arguments)
'''


@pytest.fixture
def opts(site):
    site.add("fake-opts", {"opts": "pydltest_opts:P"}, {"pydltest_opts": RECIPE})
    return site


@pytest.mark.parametrize("argv, words", [
    (["--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
    (["--epochs", "-1"], "argument --epochs: must be >= 1, got -1"),
    (["--batch-size", "0"], "argument --batch-size: must be >= 1, got 0"),
    (["--epochs", "two"], "argument --epochs: expected a whole number, got 'two'"),
])
def test_bad_counts_are_one_line_usage_errors(opts, capsys, argv, words):
    with pytest.raises(SystemExit) as e:
        main(["run", "opts.train"] + argv)
    out, err = capsys.readouterr()
    assert e.value.code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("pydl run opts.train: error: ") and words in err


@pytest.mark.parametrize("limit", ["-5", "0"])
def test_a_recipe_count_option_below_one_is_refused_before_running(opts, capsys, limit):
    assert main(["run", "opts.train", "--limit", limit]) == 2
    out, err = capsys.readouterr()
    assert "RESULT" not in out and err == f"pydl: run opts.train: --limit must be >= 1, got {limit}\n"


def test_plot_path_is_checked_before_running(opts, capsys, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "curves.png"
    assert main(["run", "opts.train", "--plot", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert "RESULT" not in out and "does not exist" in err and err.count("\n") == 1
    assert main(["run", "opts.train", "--plot", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_recipe_defaults_are_used_and_shown_by_help(opts, capsys):
    assert main(["run", "opts.train", "--limit", "3"]) == 0
    assert 'RESULT {"epochs": 7, "batch_size": 64, "limit": 3}' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "opts.train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "training epochs (default: 7)" in out and "batch size (default: 64)" in out


STEPS_RECIPE = """
import argparse
from pydl.plugins import Plugin


def train(args):
    print("RESULT", {"steps": args.steps, "epochs": getattr(args, "epochs", "absent")})


def arguments(parser):
    parser.add_argument("--steps", type=int, default=50, help="training steps")
    parser.set_defaults(epochs=argparse.SUPPRESS)


class P(Plugin):
    name = "steps"
    version = "1.0"
    requires_pydl = ">=0.1"

    def register(self, registry):
        registry.add_recipe("train", train, arguments=arguments)
"""


def test_a_common_option_a_recipe_does_not_use_is_marked_and_refused(site, capsys):
    site.add("fake-steps", {"steps": "pydltest_steps:P"}, {"pydltest_steps": STEPS_RECIPE})
    with pytest.raises(SystemExit):
        main(["run", "steps.train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "training epochs: not used by this recipe" in out and "--steps STEPS training steps (default: 50)" in out
    assert "batch size (default: the recipe's)" in out   # left None: the recipe decides, and --help says so
    assert main(["run", "steps.train"]) == 0
    assert "RESULT {'steps': 50, 'epochs': 'absent'}" in capsys.readouterr().out
    assert main(["run", "steps.train", "--epochs", "3"]) == 2
    assert capsys.readouterr().err == "pydl: run steps.train: --epochs is not used by this recipe (see --help)\n"


def test_errors_in_a_recipe_are_one_line_unless_traceback(opts, capsys):
    assert main(["run", "opts.train", "--fail"]) == 2
    err = capsys.readouterr().err
    assert err == ("pydl: run opts.train: FileNotFoundError: no such data set: 'nowhere.npz' "
                   "(--traceback shows where)\n")
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        main(["run", "opts.train", "--fail", "--traceback"])


def test_a_typo_gets_a_suggestion(opts, capsys):
    assert main(["run", "opts.trian"]) == 2
    assert "unknown recipe 'opts.trian'; did you mean opts.train?" in capsys.readouterr().err


def test_plugins_verbose_shows_where_a_broken_plugin_failed(site, capsys):
    site.add("fake-bad", {"bad": "pydltest_bad:P"}, {"pydltest_bad": "x = 1\nraise RuntimeError('boom')\n"})
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    path = os.path.join(str(site.path), "pydltest_bad.py")
    assert f"error: RuntimeError: boom (at {path}:2)" in out and "Traceback" not in out
    assert main(["plugins", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "    Traceback (most recent call last):" in out and f'File "{path}", line 2' in out


def _pydl(*args, **kw):
    env = dict(os.environ, PYDL_DISABLE_PLUGINS="1")
    return subprocess.Popen([sys.executable, "-m", "pydl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, **kw)


def test_version():
    import pydl
    p = _pydl("--version")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0 and out == f"pydl {pydl.__version__}\n", err


@pytest.mark.parametrize("args", [("run", "--list"), ("--help",)])
def test_a_closed_pipe_ends_quietly(args):
    p = _pydl(*args)
    p.stdout.close()  # like `| head -1` exiting before pydl writes
    err = p.stderr.read()
    p.wait(timeout=60)
    assert "BrokenPipeError" not in err and "Traceback" not in err, err
    assert p.returncode in (0, 141)  # argparse itself ignores a failed write of --help
