"""Object detection: a single-shot grid detector on synthetic shape scenes, scored by mAP@0.5 against a baseline.

The baseline predicts one box per image: centred, of the training boxes' mean size, labelled with the most common
training class. Every scene holds 1-3 squares, circles or triangles; validation scenes use a different seed.
"""
import time

import numpy as np

from pydl import optimizers

from ..detection import build_detector, decode, encode_targets, grid_size, make_detection_loss, mean_average_precision
from ..shapes import CLASS_NAMES, make_scenes
from .options import add_scene_arguments, fraction, option, setup

# score_threshold: plots.SCORE_THRESHOLD (plots needs matplotlib, which --help does not)
DEFAULTS = dict(epochs=10, batch_size=32, image_size=48, limit=2500, lr=3e-3, max_shapes=3, score_threshold=0.5)


def add_arguments(parser):
    add_scene_arguments(parser, DEFAULTS, multiple_of=8)
    parser.add_argument("--max-shapes", type=int, help="shapes per scene, at most")
    parser.add_argument("--score-threshold", type=fraction, metavar="S",
                        help="--plot draws only the boxes scoring at least S, in [0, 1]")


def baseline_predictions(train_boxes, train_labels, n, image_size):
    """One centred box per image, of the mean training size, with the most common class and score 1."""
    boxes = np.concatenate([np.asarray(b, np.float32).reshape(-1, 4) for b in train_boxes])
    w, h = np.mean(boxes[:, 2] - boxes[:, 0]), np.mean(boxes[:, 3] - boxes[:, 1])
    c = image_size / 2.0
    cls = int(np.bincount(np.concatenate(train_labels)).argmax())
    box = np.array([[c - w / 2, c - h / 2, c + w / 2, c + h / 2]], np.float32)
    return [box] * n, [np.ones(1, np.float32)] * n, [np.array([cls], np.int64)] * n


def run(args):
    seed = setup(args)
    opts = {name: option(args, name, default) for name, default in DEFAULTS.items()}
    size, limit = opts["image_size"], opts["limit"]
    max_shapes = opts["max_shapes"]
    n_val = int(np.clip(limit // 5, 100, 500))
    train = make_scenes(limit, size, max_shapes=max_shapes, seed=seed * 2 + 1)
    val = make_scenes(n_val, size, max_shapes=max_shapes, seed=seed * 2 + 2)
    data = f"synthetic shapes: {limit} train / {n_val} validation scenes of {size}x{size} RGB, 1-{max_shapes} shapes"
    verbose = 1 if args.verbose is None else args.verbose
    if verbose:
        print(f"Data: {data}")

    model = build_detector(size, 3, len(CLASS_NAMES))
    s = grid_size(model)
    y_train = encode_targets(train.boxes, train.labels, size, s, len(CLASS_NAMES))
    y_val = encode_targets(val.boxes, val.labels, size, s, len(CLASS_NAMES))
    model.compile(optimizers.Adam(opts["lr"]), loss=make_detection_loss())
    start = time.perf_counter()
    history = model.fit(train.images, y_train, batch_size=opts["batch_size"], epochs=opts["epochs"],
                        validation_data=(val.images, y_val), verbose=verbose)
    seconds = time.perf_counter() - start

    boxes, scores, labels = decode(model.predict(val.images), size)
    m_ap = mean_average_precision(boxes, scores, labels, val.boxes, val.labels, num_classes=len(CLASS_NAMES))
    base = mean_average_precision(*baseline_predictions(train.boxes, train.labels, n_val, size), val.boxes,
                                  val.labels, num_classes=len(CLASS_NAMES))
    print(f"Validation mAP@0.5: {m_ap:.4f} (baseline, one centred mean-size box per image: {base:.4f}); "
          f"{s}x{s} grid, {model.count_params():,} parameters, trained in {seconds:.1f} s")
    if getattr(args, "plot", None):
        from ..plots import draw_detections
        k = min(8, n_val)
        draw_detections(val.images[:k], boxes[:k], labels[:k], scores[:k], true_boxes=val.boxes[:k],
                        class_names=CLASS_NAMES, path=args.plot, score_threshold=opts["score_threshold"])
        print(f"plot saved to {args.plot} (predicted boxes scoring {opts['score_threshold']} or more coloured, true "
              "ones white and dashed)")
    return {"map50": m_ap, "baseline_map50": base, "val_loss": history.history["val_loss"][-1], "grid": s,
            "params": model.count_params(), "train_seconds": seconds, "data": data}
