"""Segmentation: mean IoU on hand-made masks, the U-Net's structure, and the recipe against its baseline."""
import argparse

import numpy as np
import pytest

import pydl
from pydl.layers import Concatenate, Conv2DTranspose, MaxPooling2D, UpSampling2D
from pydl_vision.recipes import segment
from pydl_vision.segmentation import build_unet, confusion_matrix, iou_per_class, mean_iou


def test_mean_iou_known_case():
    t = np.array([[0, 0], [1, 1]])
    p = np.array([[0, 1], [1, 1]])
    np.testing.assert_array_equal(confusion_matrix(t, p, 3), [[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    per = iou_per_class(t, p, 3)
    assert per[0] == pytest.approx(1 / 2) and per[1] == pytest.approx(2 / 3) and np.isnan(per[2])
    assert mean_iou(t, p, 3) == pytest.approx((1 / 2 + 2 / 3) / 2)   # class 2 absent from both: skipped
    assert mean_iou(t, t, 3) == 1.0
    # predicting a class that is absent counts against it: IoU 0 for class 2
    assert mean_iou(t, np.array([[0, 0], [1, 2]]), 3) == pytest.approx((1 + 1 / 2 + 0) / 3)
    with pytest.raises(ValueError, match="differ"):
        mean_iou(t, p[:1], 3)


@pytest.mark.parametrize("upsampling, up_layer", [("transpose", Conv2DTranspose), ("nearest", UpSampling2D)])
def test_unet_structure_and_output(upsampling, up_layer):
    pydl.utils.set_random_seed(0)
    model = build_unet(16, 1, 3, widths=(4, 8, 16), upsampling=upsampling)
    kinds = [type(layer) for layer in model.layers]
    assert kinds.count(MaxPooling2D) == 2 and kinds.count(Concatenate) == 2 and kinds.count(up_layer) == 2
    # the skip joins the encoder's features with the upsampled ones: 4 + 4 and 8 + 8 channels
    assert sorted(layer.output_shape[-1] for layer in model.layers if isinstance(layer, Concatenate)) == [8, 16]
    assert model.output_shape == (None, 16, 16, 3)
    out = model.predict(np.random.default_rng(0).random((2, 16, 16, 1), dtype=np.float32))
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-5)
    binary = build_unet(8, 3, 1, widths=(4, 8), batch_norm=False)
    assert binary.output_shape == (None, 8, 8, 1)
    # no BatchNorm: 3x3 convs 3->4, 4->4, 4->8, 8->8; a 2x2 transpose 8->4; 3x3 convs 8->4, 4->4; a 1x1 4->1
    convs = [(3, 3, 4), (3, 4, 4), (3, 4, 8), (3, 8, 8), (2, 8, 4), (3, 8, 4), (3, 4, 4), (1, 4, 1)]
    assert binary.count_params() == sum(k * k * i * o + o for k, i, o in convs)
    with pytest.raises(ValueError, match="divisible"):
        build_unet(18, widths=(4, 8, 16))


def test_segment_recipe_beats_baseline_on_a_tiny_run(capsys, tmp_path):
    args = argparse.Namespace(epochs=3, batch_size=16, seed=0, plot=str(tmp_path / "masks.png"), verbose=0,
                              threads=None, image_size=24, limit=400, lr=1e-2, upsampling=None)
    result = segment.run(args)
    assert "mean IoU" in capsys.readouterr().out
    assert 0.15 < result["baseline_mean_iou"] < 0.3      # all background: background IoU ~ 0.87, shapes 0
    assert result["mean_iou"] > result["baseline_mean_iou"] + 0.4
    assert (tmp_path / "masks.png").stat().st_size > 1000
