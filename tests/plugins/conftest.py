"""Throwaway plugin distributions: a `<dist>-<version>.dist-info` (METADATA + entry_points.txt) and its modules
in a temporary directory put on sys.path, which importlib.metadata finds like an installed package."""
import importlib
import os
import sys
import textwrap

import pytest

import pydl.registry
from pydl.plugins import DISABLE_ENV


class Site:
    def __init__(self, path):
        self.path = path
        self.modules = []
        path.mkdir()

    def add(self, dist, entry_points, modules, version="0.1"):
        """entry_points: {name: "module:attr"}; modules: {module_name: source}."""
        for name, source in modules.items():
            (self.path / f"{name}.py").write_text(textwrap.dedent(source))
            self.modules.append(name)
        info = self.path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(
            "[pydl.plugins]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
        importlib.invalidate_caches()
        pydl.registry.reset()

    @staticmethod
    def source(name, items="", version="1.0", requires=">=0.1"):
        """Source of a module defining `P`, a Plugin named `name` whose register() body is `items`."""
        body = textwrap.indent(textwrap.dedent(items).strip() or "pass", " " * 8)
        return ("from pydl.plugins import Plugin\n\n"
                f"class P(Plugin):\n    name = {name!r}\n    version = {version!r}\n"
                f"    requires_pydl = {requires!r}\n\n    def register(self, registry):\n{body}\n")

    def env(self, **extra):
        """Environment for a subprocess that should see these plugins."""
        env = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.path), os.environ.get("PYTHONPATH")]))
        env.update(extra)
        return env


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    s = Site(tmp_path / "site")
    monkeypatch.syspath_prepend(str(s.path))
    pydl.registry.reset()
    yield s
    pydl.registry.reset()
    for name in s.modules:
        sys.modules.pop(name, None)


# A plugin registering one item of every kind; its recipe prints the options it received as JSON.
HELLO = '''
"""A throwaway pydl plugin for the tests."""
import json

import pydl
from pydl.layers import Layer
from pydl.plugins import Plugin


class Scale(Layer):
    """Multiplies its input by a constant."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, inputs, training=None):
        return inputs * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


def mlp(units=3):
    """A one-layer model."""
    from pydl.layers import Dense, Input
    from pydl.models import Sequential
    return Sequential([Input((2,)), Dense(units)])


def fit(args):
    """Echo the parsed options."""
    out = {k: getattr(args, k) for k in ("epochs", "batch_size", "seed", "plot", "verbose", "threads", "flag")}
    out["threads_now"] = pydl.get_num_threads()
    print("RESULT " + json.dumps(out))
    return out


def fit_arguments(parser):
    parser.add_argument("--flag", default="none", help="a recipe-specific option")


def greet(args):
    print(f"hello {args.who}")
    return 3


class HelloPlugin(Plugin):
    name = "hi"
    version = "1.2.3"
    requires_pydl = ">=0.1"

    def register(self, registry):
        registry.add_model("mlp", mlp)
        registry.add_layer("Scale", Scale)
        registry.add_dataset("pairs", lambda: [(1, 2)], help="one pair")
        registry.add_recipe("fit", fit, arguments=fit_arguments)
        registry.add_command("greet", greet, help="say hello",
                             arguments=lambda p: p.add_argument("--who", default="you"))
'''


@pytest.fixture
def hello(site):
    """The HELLO plugin (named "hi") installed as distribution fake-hello 0.4, module pydltest_hello."""
    site.add("fake-hello", {"hi": "pydltest_hello:HelloPlugin"}, {"pydltest_hello": HELLO}, version="0.4")
    return site
