"""Detection: box geometry, NMS, mAP, target encoding/decoding, the loss, synthetic scenes, and the recipe."""
import argparse

import numpy as np
import pytest

import pydl
from pydl_vision.detection import (average_precisions, build_detector, decode, encode_targets, grid_size, iou,
                                   make_detection_loss, mean_average_precision, nms)
from pydl_vision.recipes import detect
from pydl_vision.shapes import make_scenes


# ---- IoU ----
@pytest.mark.parametrize("a, b, expected", [
    ([0, 0, 2, 2], [3, 3, 5, 5], 0.0),            # disjoint
    ([0, 0, 2, 2], [2, 0, 4, 2], 0.0),            # touching edges only
    ([0, 0, 4, 4], [1, 1, 3, 3], 4 / 16),         # contained
    ([0, 0, 2, 2], [1, 0, 3, 2], 2 / 6),          # half of each overlaps: 2 / (4 + 4 - 2)
    ([1, 2, 5, 7], [1, 2, 5, 7], 1.0),            # identical
    ([0, 0, 10, 10], [5, 5, 15, 15], 25 / 175),   # corner overlap
])
def test_iou_hand_computed(a, b, expected):
    assert iou([a], [b])[0, 0] == pytest.approx(expected, abs=1e-6)
    assert iou([b], [a])[0, 0] == pytest.approx(expected, abs=1e-6)


def test_iou_matrix_shape_and_values():
    m = iou([[0, 0, 2, 2], [0, 0, 4, 4]], [[0, 0, 2, 2], [1, 0, 3, 2], [9, 9, 10, 10]])
    assert m.shape == (2, 3)
    np.testing.assert_allclose(m, [[1.0, 1 / 3, 0.0], [0.25, 4 / 16, 0.0]], atol=1e-6)


# ---- NMS ----
def test_nms_keeps_best_and_suppresses_overlaps_above_threshold():
    boxes = [[0, 0, 10, 10],      # 0: best
             [1, 0, 11, 10],      # 1: IoU 90/110 with 0 -> suppressed
             [20, 20, 30, 30],    # 2: disjoint -> kept
             [5, 0, 15, 10]]      # 3: IoU 50/150 = 1/3 with 0 -> kept at 0.5, suppressed at 0.3
    scores = [0.9, 0.8, 0.7, 0.5]
    assert nms(boxes, scores, 0.5).tolist() == [0, 2, 3]
    assert nms(boxes, scores, 0.3).tolist() == [0, 2]
    # the order follows the scores, not the input: 1 now suppresses 0 (IoU .82); 3 vs 1 is 60/140 < .5
    assert nms(boxes, [0.1, 0.8, 0.7, 0.5], 0.5).tolist() == [1, 2, 3]


def test_nms_is_per_class_when_classes_given():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [0, 1, 10, 11]]
    scores = [0.9, 0.8, 0.7]
    assert nms(boxes, scores, 0.5).tolist() == [0]
    assert nms(boxes, scores, 0.5, classes=[0, 1, 0]).tolist() == [0, 1]
    assert nms(boxes, scores, 0.5, classes=[0, 1, 2]).tolist() == [0, 1, 2]
    assert nms(boxes, scores, 0.5, classes=[0, 1, 2], max_output=2).tolist() == [0, 1]
    assert nms(np.zeros((0, 4)), [], 0.5).tolist() == []


# ---- mAP ----
def test_map_perfect_predictions_is_one():
    tb = [np.array([[0, 0, 5, 5], [10, 10, 20, 20]]), np.array([[3, 3, 9, 9]])]
    tl = [np.array([0, 1]), np.array([2])]
    assert mean_average_precision(tb, [np.ones(2), np.ones(1)], tl, tb, tl) == pytest.approx(1.0)


def test_map_known_case():
    g1, g2, g3 = [0, 0, 10, 10], [20, 20, 30, 30], [0, 20, 10, 30]
    true_boxes = [np.array([g1, g2]), np.array([g3])]
    true_labels = [np.array([0, 0]), np.array([1])]
    pred_boxes = [np.array([[0, 0, 10, 11],        # class 0, .9: TP (IoU 100/110)
                            [40, 40, 50, 50],      # class 0, .8: FP
                            [21, 20, 30, 30],      # class 0, .7: TP (IoU .9)
                            [0, 0, 10, 10],        # class 0, .6: duplicate of g1 -> FP
                            [0, 0, 10, 10]]),      # class 2, .5: no ground truth of class 2 -> class left out
                  np.array([[0, 0, 5, 5],          # class 1, .9: FP
                            [0, 21, 10, 30]])]     # class 1, .4: TP
    pred_scores = [np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([0.9, 0.4])]
    pred_labels = [np.array([0, 0, 0, 0, 2]), np.array([1, 1])]
    aps = average_precisions(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels)
    # class 0: recall .5 .5 1 1, precision 1 .5 .667 .5 -> envelope 1 up to recall .5, 2/3 up to 1
    assert sorted(aps) == [0, 1]
    assert aps[0] == pytest.approx(0.5 * 1.0 + 0.5 * 2 / 3)
    # class 1: recall 0 then 1 at precision 1/2
    assert aps[1] == pytest.approx(0.5)
    m = mean_average_precision(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels)
    assert m == pytest.approx((5 / 6 + 0.5) / 2)
    # at IoU 0.95 only the exact-enough boxes count: class 0 has no match above .95 except the duplicate of g1
    aps95 = average_precisions(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels, iou_threshold=0.95)
    assert aps95[0] == pytest.approx(0.5 * 1 / 4)   # one TP at rank 4 of 2 ground truths


def test_map_no_predictions_is_zero():
    tb, tl = [np.array([[0, 0, 5, 5]])], [np.array([0])]
    assert mean_average_precision([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, np.int64)], tb, tl) == 0.0


# ---- scenes ----
def test_scenes_are_deterministic_and_consistent():
    a, b = make_scenes(64, 32, seed=5), make_scenes(64, 32, seed=5)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    assert not np.array_equal(a.images, make_scenes(64, 32, seed=6).images)
    assert a.images.shape == (64, 32, 32, 3) and a.images.dtype == np.float32
    assert 0.0 <= a.images.min() and a.images.max() <= 1.0
    counts = [len(bx) for bx in a.boxes]
    assert min(counts) >= 1 and max(counts) <= 3 and len(set(counts)) == 3
    for img_boxes, labels, mask in zip(a.boxes, a.labels, a.masks):
        assert set(np.unique(mask)) == {0} | set((labels + 1).tolist())
        for (x1, y1, x2, y2), lab in zip(img_boxes.astype(int), labels):
            inside = mask[y1:y2, x1:x2] == lab + 1
            # tight box: the shape touches all four sides of it
            assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
        assert iou(img_boxes, img_boxes)[~np.eye(len(img_boxes), dtype=bool)].max(initial=0.0) == 0.0
    grey = make_scenes(4, 24, channels=1, max_shapes=1, classes=1, seed=0)
    assert grey.images.shape == (4, 24, 24, 1) and all(len(bx) == 1 and lab[0] == 0 for bx, lab in
                                                        zip(grey.boxes, grey.labels))


# ---- encoding, decoding, loss ----
def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def test_encode_then_decode_recovers_boxes():
    s = make_scenes(16, 32, seed=2)
    y = encode_targets(s.boxes, s.labels, 32, 4, 3)
    assert y.shape == (16, 4, 4, 8)
    raw = np.concatenate([_logit(y[..., :5]), np.where(y[..., 5:] > 0, 20.0, 0.0)], axis=-1)
    raw[..., 0] = np.where(y[..., 0] > 0, 20.0, -20.0)
    boxes, scores, labels = decode(raw, 32, score_threshold=0.5)
    kept = 0
    for b, lab, tb, tl in zip(boxes, labels, s.boxes, s.labels):
        # boxes whose centres share a cell lose the smaller one
        assert len(b) <= len(tb)
        for box, c in zip(b, lab):
            j = np.argmax(iou(box[None], tb)[0])
            np.testing.assert_allclose(box, tb[j], atol=1e-3)
            assert c == tl[j]
            kept += 1
    assert kept >= 0.9 * sum(len(tb) for tb in s.boxes)
    assert mean_average_precision(boxes, scores, labels, s.boxes, s.labels) > 0.9


def test_detection_loss_matches_numpy_reference_and_has_gradient():
    rng = np.random.default_rng(0)
    s = make_scenes(3, 32, seed=1)
    y_true = encode_targets(s.boxes, s.labels, 32, 4, 3)
    raw = rng.normal(size=y_true.shape).astype(np.float32)
    y_pred = pydl.tensor(raw, requires_grad=True)
    loss = make_detection_loss(coord_weight=5.0, noobj_weight=0.5)(pydl.tensor(y_true), y_pred)
    sig = 1 / (1 + np.exp(-raw))
    obj = y_true[..., 0]
    bce = -(obj * np.log(sig[..., 0]) + (1 - obj) * np.log(1 - sig[..., 0])) * (obj + 0.5 * (1 - obj))
    box = np.sum((sig[..., 1:5] - y_true[..., 1:5]) ** 2, -1)
    logp = raw[..., 5:] - np.log(np.exp(raw[..., 5:]).sum(-1, keepdims=True))
    cls = -np.sum(y_true[..., 5:] * logp, -1)
    expected = np.sum(bce + obj * (5.0 * box + cls), axis=(1, 2))
    np.testing.assert_allclose(np.asarray(loss), expected, rtol=1e-4)
    pydl.ops.sum(loss).backward()
    g = np.asarray(y_pred.grad)
    assert np.all(g[..., 0] != 0)                    # objectness learns in every cell
    assert np.all(g[obj == 0][:, 1:] == 0)           # box and class only where an object is


def test_detector_shapes_and_custom_loss_in_fit():
    pydl.utils.set_random_seed(0)
    model = build_detector(32, 3, 3, widths=(8, 16, 32))
    assert model.output_shape == (None, 4, 4, 8) and grid_size(model) == 4
    with pytest.raises(ValueError, match="multiple of 8"):
        build_detector(36)
    s = make_scenes(32, 32, seed=0)
    y = encode_targets(s.boxes, s.labels, 32, 4, 3)
    model.compile(pydl.optimizers.Adam(1e-2), loss=make_detection_loss())
    hist = model.fit(s.images, y, batch_size=8, epochs=3, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]


# ---- recipe ----
def test_detect_recipe_beats_baseline_on_a_tiny_run(capsys):
    args = argparse.Namespace(epochs=4, batch_size=16, seed=0, plot=None, verbose=0, threads=None, image_size=32,
                              limit=400, lr=1e-2, max_shapes=3)
    result = detect.run(args)
    assert "mAP@0.5" in capsys.readouterr().out
    assert result["baseline_map50"] < 0.1
    assert result["map50"] > 0.5 and result["map50"] > result["baseline_map50"] + 0.4
    assert result["grid"] == 4 and "synthetic shapes: 400 train / 100" in result["data"]


def test_baseline_predicts_one_centred_box_of_mean_size():
    boxes, scores, labels = detect.baseline_predictions([np.array([[0, 0, 4, 2]]), np.array([[0, 0, 8, 6],
                                                                                          [1, 1, 2, 2]])],
                                                        [np.array([2]), np.array([2, 0])], 3, 20)
    assert len(boxes) == 3
    np.testing.assert_allclose(boxes[0], [[10 - 13 / 6, 10 - 9 / 6, 10 + 13 / 6, 10 + 9 / 6]], rtol=1e-6)
    assert labels[1].tolist() == [2] and scores[2].tolist() == [1.0]


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "nan", "high"])
def test_score_threshold_option_must_be_in_0_1(bad, capsys):
    from pydl.cli import main
    with pytest.raises(SystemExit) as e:
        main(["run", "vision.detect", "--score-threshold", bad])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1
    assert err.startswith("pydl run vision.detect: error: argument --score-threshold: ")


def test_score_threshold_option_reaches_the_plot(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    from pydl.cli import main
    from pydl_vision import plots
    seen = []
    monkeypatch.setattr(plots, "draw_detections", lambda *a, **kw: seen.append(kw["score_threshold"]))
    argv = ["run", "vision.detect", "--epochs", "1", "--limit", "16", "--image-size", "16", "--verbose", "0",
            "--plot", str(tmp_path / "boxes.png")]
    assert main(argv + ["--score-threshold", "0.7"]) == 0 and main(argv) == 0
    assert seen == [0.7, detect.DEFAULTS["score_threshold"]] and detect.DEFAULTS["score_threshold"] == \
        plots.SCORE_THRESHOLD
    assert "plot saved to " + str(tmp_path / "boxes.png") + " (predicted boxes scoring 0.7 or more" in \
        capsys.readouterr().out
