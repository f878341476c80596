"""Training targets and the detection loss, written with public pydl ops so fit() differentiates it.

A target grid has the model's output shape: [objectness, x offset in cell, y offset in cell, sqrt(w / image),
sqrt(h / image), one-hot class]. The cell holding a box's centre is responsible for it; when two centres share a
cell, the larger box wins (the other is not learnt, as in YOLO v1).
"""
import numpy as np

from pydl import ops

from .model import BOX_CHANNELS


def encode_targets(boxes, labels, image_size, grid, num_classes):
    """(n, grid, grid, 5 + num_classes) float32 targets from per-image lists of boxes and class ids."""
    n = len(boxes)
    out = np.zeros((n, grid, grid, BOX_CHANNELS + num_classes), np.float32)
    cell = image_size / grid
    for i in range(n):
        b = np.asarray(boxes[i], np.float32).reshape(-1, 4)
        lab = np.asarray(labels[i], np.int64).reshape(-1)
        area = np.prod(b[:, 2:] - b[:, :2], axis=1)
        for j in np.argsort(area):          # small first, so a bigger box in the same cell overwrites it
            x1, y1, x2, y2 = b[j]
            cx, cy = (x1 + x2) / 2.0 / cell, (y1 + y2) / 2.0 / cell
            col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
            out[i, row, col, :] = 0.0
            out[i, row, col, :BOX_CHANNELS] = [1.0, cx - col, cy - row, np.sqrt((x2 - x1) / image_size),
                                               np.sqrt((y2 - y1) / image_size)]
            out[i, row, col, BOX_CHANNELS + lab[j]] = 1.0
    return out


def make_detection_loss(coord_weight=5.0, noobj_weight=0.5):
    """A Keras-style loss(y_true, y_pred) -> per-sample loss for compile(loss=...).

    Objectness: binary cross-entropy on logits in every cell (cells without an object weighted by noobj_weight);
    box: squared error of the sigmoid outputs, in responsible cells only, weighted by coord_weight;
    class: softmax cross-entropy in responsible cells only.
    """
    def detection_loss(y_true, y_pred):
        obj = y_true[..., 0]
        z = y_pred[..., 0]
        bce = ops.relu(z) - z * obj + ops.softplus(-ops.abs(z))     # stable BCE from logits
        obj_term = bce * (obj + noobj_weight * (1.0 - obj))
        box_err = ops.sum(ops.square(ops.sigmoid(y_pred[..., 1:BOX_CHANNELS]) - y_true[..., 1:BOX_CHANNELS]),
                          axis=-1)
        cls_err = -ops.sum(y_true[..., BOX_CHANNELS:] * ops.log_softmax(y_pred[..., BOX_CHANNELS:], axis=-1),
                           axis=-1)
        per_cell = obj_term + obj * (coord_weight * box_err + cls_err)
        return ops.sum(per_cell, axis=(1, 2))
    return detection_loss
