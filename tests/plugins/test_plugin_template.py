"""plugins/template works as shipped: its pyproject's entry point loads, registers, and the recipe learns."""
import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import pydl.plugins
import pydl.registry as registry

TEMPLATE = Path(__file__).resolve().parents[2] / "plugins" / "template"


@pytest.fixture
def template(site, monkeypatch):
    if not TEMPLATE.is_dir():
        pytest.skip("plugins/template is not part of this checkout")
    text = (TEMPLATE / "pyproject.toml").read_text()
    table = text.split('[project.entry-points."pydl.plugins"]', 1)[1].split("\n[", 1)[0]
    entry_points = dict(re.findall(r'^(\w+)\s*=\s*"([^"]+)"', table, re.M))
    assert entry_points == {"hello": "pydl_hello.plugin:HelloPlugin"}
    monkeypatch.syspath_prepend(str(TEMPLATE / "src"))
    site.add("pydl-hello", entry_points, {}, version="0.1.0")
    yield
    for name in [m for m in sys.modules if m == "pydl_hello" or m.startswith("pydl_hello.")]:
        del sys.modules[name]


def test_template_plugin(template):
    info = pydl.plugins.load("hello")
    assert info.registered == {"models": ["hello.mlp"], "recipes": ["hello.fit_line"]}
    assert (info.version, info.distribution) == ("0.1.0", "pydl-hello 0.1.0")
    model = registry.models["hello.mlp"](input_dim=2, hidden=4)
    assert model.predict(np.zeros((3, 2), "float32"), verbose=0).shape == (3, 1)
    entry = registry.recipes.entry("hello.fit_line")
    assert entry.help.startswith("Fit y = 3x - 1")
    parser = argparse.ArgumentParser()
    entry.arguments(parser)
    args = parser.parse_args(["--samples", "256"])
    args.__dict__.update(epochs=12, batch_size=32, seed=0, plot=None, verbose=0, threads=None)
    result = entry.obj(args)
    assert result["epochs"] == 12 and result["test_mse"] < 0.05  # predicting 0 scores about 4
