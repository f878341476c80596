"""Tests of the template plugin (they run without installing it: pytest's rootdir conftest is not needed)."""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pydl.registry import Registrar  # noqa: E402

from pydl_hello.models import mlp  # noqa: E402
from pydl_hello.plugin import HelloPlugin  # noqa: E402
from pydl_hello.recipes import fit_line  # noqa: E402


def test_registers_prefixed_names():
    staging = Registrar(HelloPlugin.name)
    HelloPlugin().register(staging)
    assert sorted(e.key for e in staging.staged) == ["hello.fit_line", "hello.mlp"]


def test_mlp_shapes():
    model = mlp(input_dim=3, hidden=5, outputs=2)
    assert model.predict(np.zeros((4, 3), "float32"), verbose=0).shape == (4, 2)
    assert model.count_params() == 3 * 5 + 5 + 5 * 2 + 2


def test_fit_line_learns():
    args = argparse.Namespace(epochs=15, batch_size=32, seed=0, plot=None, verbose=0, threads=None,
                              samples=256, noise=0.05)
    result = fit_line.run(args)
    assert result["epochs"] == 15
    assert result["test_mse"] < 0.05  # predicting 0 scores about 4 (mean of (3x - 1)^2)
