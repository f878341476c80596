"""Synthetic scenes of shapes for the detection and segmentation recipes (no download needed).

Each scene is a noisy dark background with 1..max_shapes non-overlapping shapes (square, circle, triangle) of random
size, colour and position. `make_scenes` returns the images, every object's box (x1, y1, x2, y2 in pixels, x2/y2
exclusive, tight around the drawn pixels) with its class id, and a per-pixel class mask (0 = background,
1 + class id for a shape). Same seed, same scenes.

>>> s = make_scenes(4, image_size=32, seed=0)
>>> s.images.shape, s.masks.shape, len(s.boxes)
((4, 32, 32, 3), (4, 32, 32), 4)
"""
from collections import namedtuple

import numpy as np

CLASS_NAMES = ("square", "circle", "triangle")

Scenes = namedtuple("Scenes", "images boxes labels masks")
Scenes.__doc__ = """images (n, H, W, C) float32 in [0, 1]; boxes: list of (k, 4) float32 arrays (x1, y1, x2, y2);
labels: list of (k,) int64 class ids; masks (n, H, W) int64 with 0 = background and 1 + class id on shapes."""


def _shape_masks(kind, cx, cy, r, size):
    """(n, H, W) boolean masks of one shape per image; pixel (i, j) is inside when its centre (j+.5, i+.5) is."""
    coords = np.arange(size, dtype=np.float32) + 0.5
    x = coords[None, None, :] - cx[:, None, None]
    y = coords[None, :, None] - cy[:, None, None]
    square = (np.abs(x) <= r[:, None, None]) & (np.abs(y) <= r[:, None, None])
    circle = x * x + y * y <= (r * r)[:, None, None]
    # Upright triangle: apex at the top, half-width grows linearly from 0 to r at the base.
    depth = y + r[:, None, None]
    triangle = (np.abs(y) <= r[:, None, None]) & (np.abs(x) <= depth / 2.0)
    k = kind[:, None, None]
    return np.where(k == 0, square, np.where(k == 1, circle, triangle))


def _overlaps(c1, r1, c2, r2, margin):
    """Whether the squares around two shapes (centre, half-size) come closer than `margin` pixels."""
    return np.all(np.abs(c1 - c2) < (r1 + r2)[:, None] + margin, axis=1)


def make_scenes(n, image_size=32, min_shapes=1, max_shapes=3, channels=3, min_size=None, max_size=None,
                seed=0, classes=3, noise=0.1):
    """n deterministic scenes; shape sizes (side / diameter in pixels) are drawn in [min_size, max_size].

    Defaults: sizes from image_size/6 to image_size/2.5. `classes` < 3 restricts to the first shape kinds.
    """
    if not 1 <= min_shapes <= max_shapes:
        raise ValueError(f"make_scenes: need 1 <= min_shapes <= max_shapes, got {min_shapes}, {max_shapes}")
    if channels not in (1, 3):
        raise ValueError(f"make_scenes: channels must be 1 or 3, got {channels}")
    if not 1 <= classes <= len(CLASS_NAMES):
        raise ValueError(f"make_scenes: classes must be in 1..{len(CLASS_NAMES)}, got {classes}")
    rng = np.random.default_rng(seed)
    min_size = float(min_size or max(4.0, image_size / 6.0))
    max_size = float(max_size or image_size / 2.5)
    count = rng.integers(min_shapes, max_shapes + 1, size=n)
    images = rng.uniform(0.0, noise, size=(n, image_size, image_size, channels)).astype(np.float32)
    masks = np.zeros((n, image_size, image_size), np.int64)
    centres, radii, active, kinds, pix = [], [], [], [], []
    for slot in range(max_shapes):
        want = slot < count
        r = np.zeros(n, np.float32)
        c = np.zeros((n, 2), np.float32)
        todo = want.copy()
        # Rejection sampling, vectorised over the images still needing a place; a shape with no room is dropped.
        for _ in range(20):
            idx = np.flatnonzero(todo)
            if idx.size == 0:
                break
            r[idx] = rng.uniform(min_size, max_size, size=idx.size) / 2.0
            c[idx] = rng.uniform(r[idx, None], image_size - r[idx, None], size=(idx.size, 2))
            clash = np.zeros(idx.size, bool)
            for pc, pr, pa in zip(centres, radii, active):
                clash |= pa[idx] & _overlaps(c[idx], r[idx], pc[idx], pr[idx], 1.0)
            todo[idx] = clash
        act = want & ~todo
        kind = rng.integers(0, classes, size=n)
        colour = rng.uniform(0.4, 1.0, size=(n, channels)).astype(np.float32)
        m = _shape_masks(kind, c[:, 0], c[:, 1], r, image_size) & act[:, None, None]
        images = np.where(m[..., None], colour[:, None, None, :], images)
        masks = np.where(m, kind[:, None, None] + 1, masks)
        centres.append(c), radii.append(r), active.append(act), kinds.append(kind), pix.append(m)
    # Tight boxes from the drawn pixels, all images at once per slot: first/last occupied column and row.
    box = np.zeros((max_shapes, n, 4), np.float32)
    for slot, m in enumerate(pix):
        cols, rows = m.any(axis=1), m.any(axis=2)
        box[slot] = np.stack([cols.argmax(1), rows.argmax(1), image_size - cols[:, ::-1].argmax(1),
                              image_size - rows[:, ::-1].argmax(1)], axis=1)
    present = np.stack([a & p.any(axis=(1, 2)) for a, p in zip(active, pix)], axis=1)   # (n, max_shapes)
    kinds = np.stack(kinds, axis=1)
    box = box.transpose(1, 0, 2)
    boxes = [box[i][present[i]] for i in range(n)]
    labels = [kinds[i][present[i]].astype(np.int64) for i in range(n)]
    return Scenes(images, boxes, labels, masks)
