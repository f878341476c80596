"""Semantic segmentation: a U-Net on synthetic shape scenes, scored by mean IoU against an all-background baseline.

Each pixel is one of 4 classes (background, square, circle, triangle); the model ends in a per-pixel softmax and
trains with sparse categorical cross-entropy. Mean IoU averages over the classes, background included.
"""
import time

import numpy as np

from pydl import optimizers

from ..segmentation import build_unet, iou_per_class, mean_iou
from ..shapes import CLASS_NAMES, make_scenes
from .options import add_scene_arguments, option, setup

DEFAULTS = dict(epochs=8, batch_size=32, image_size=32, limit=2000, lr=3e-3, upsampling="transpose")
CLASSES = ("background",) + CLASS_NAMES


def add_arguments(parser):
    add_scene_arguments(parser, DEFAULTS, multiple_of=4)
    parser.add_argument("--upsampling", choices=("transpose", "nearest"),
                        help="decoder upsampling: Conv2DTranspose or UpSampling2D + conv")


def run(args):
    seed = setup(args)
    opts = {name: option(args, name, default) for name, default in DEFAULTS.items()}
    size, limit = opts["image_size"], opts["limit"]
    n_val = int(np.clip(limit // 5, 100, 500))
    train = make_scenes(limit, size, seed=seed * 2 + 1)
    val = make_scenes(n_val, size, seed=seed * 2 + 2)
    data = f"synthetic shapes: {limit} train / {n_val} validation scenes of {size}x{size} RGB, 1-3 shapes"
    verbose = 1 if args.verbose is None else args.verbose
    if verbose:
        print(f"Data: {data}")

    model = build_unet(size, 3, len(CLASSES), upsampling=opts["upsampling"])
    model.compile(optimizers.Adam(opts["lr"]), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(train.images, train.masks, batch_size=opts["batch_size"], epochs=opts["epochs"],
                        validation_data=(val.images, val.masks), verbose=verbose)
    seconds = time.perf_counter() - start

    pred = model.predict(val.images).argmax(-1)
    miou = mean_iou(val.masks, pred, len(CLASSES))
    base = mean_iou(val.masks, np.zeros_like(val.masks), len(CLASSES))
    per = ", ".join(f"{c} {v:.3f}" for c, v in zip(CLASSES, iou_per_class(val.masks, pred, len(CLASSES))))
    print(f"Validation mean IoU: {miou:.4f} (baseline, all background: {base:.4f}); per class: {per}; "
          f"{model.count_params():,} parameters, trained in {seconds:.1f} s")
    if getattr(args, "plot", None):
        from ..plots import overlay_masks
        k = min(8, n_val)
        overlay_masks(val.images[:k], pred[:k], true_masks=val.masks[:k], class_names=CLASSES, path=args.plot)
        print(f"plot saved to {args.plot} (predicted and true masks)")
    return {"mean_iou": miou, "baseline_mean_iou": base, "val_loss": history.history["val_loss"][-1],
            "params": model.count_params(), "train_seconds": seconds, "data": data}
