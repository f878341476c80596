"""From the detector's raw grid to boxes: activations, score threshold, per-class non-max suppression."""
import numpy as np

from .boxes import nms
from .model import BOX_CHANNELS


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def decode(grid_out, image_size, score_threshold=0.05, iou_threshold=0.5, max_boxes=20):
    """Per-image lists (boxes (k, 4), scores (k,), labels (k,)) from raw outputs of shape (n, S, S, 5 + classes).

    score = sigmoid(objectness) * the best class probability; boxes overlapping a better one of the same class by
    IoU > iou_threshold are suppressed.
    """
    g = np.asarray(grid_out, np.float32)
    n, s = g.shape[0], g.shape[1]
    cell = image_size / s
    obj = _sigmoid(g[..., 0])
    xy = _sigmoid(g[..., 1:3])
    wh = _sigmoid(g[..., 3:5]) ** 2 * image_size
    logits = g[..., BOX_CHANNELS:]
    prob = np.exp(logits - logits.max(-1, keepdims=True))
    prob /= prob.sum(-1, keepdims=True)
    label = prob.argmax(-1)
    score = obj * prob.max(-1)
    cols, rows = np.meshgrid(np.arange(s), np.arange(s))
    cx = (cols + xy[..., 0]) * cell
    cy = (rows + xy[..., 1]) * cell
    boxes = np.stack([cx - wh[..., 0] / 2, cy - wh[..., 1] / 2, cx + wh[..., 0] / 2, cy + wh[..., 1] / 2], -1)
    boxes = np.clip(boxes, 0.0, float(image_size))
    out_b, out_s, out_l = [], [], []
    for i in range(n):
        keep = score[i].reshape(-1) >= score_threshold
        b, sc, lab = boxes[i].reshape(-1, 4)[keep], score[i].reshape(-1)[keep], label[i].reshape(-1)[keep]
        k = nms(b, sc, iou_threshold, classes=lab, max_output=max_boxes)
        out_b.append(b[k]), out_s.append(sc[k]), out_l.append(lab[k].astype(np.int64))
    return out_b, out_s, out_l
