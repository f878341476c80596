"""Box geometry and evaluation: IoU, per-class non-max suppression, and mAP@0.5 (VOC, all-point interpolation).

Boxes are (x1, y1, x2, y2) in pixels with x2 > x1, y2 > y1; area = (x2 - x1) * (y2 - y1).

>>> float(iou([[0, 0, 2, 2]], [[1, 0, 3, 2]])[0, 0])
0.3333333432674408
"""
import numpy as np


def iou(a, b):
    """(len(a), len(b)) matrix of intersection-over-union between two sets of boxes."""
    a = np.asarray(a, np.float32).reshape(-1, 4)
    b = np.asarray(b, np.float32).reshape(-1, 4)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0).astype(np.float32)


def nms(boxes, scores, iou_threshold=0.5, classes=None, max_output=None):
    """Indices of the boxes kept, best score first: a box is dropped when it overlaps a better-scoring kept box
    (of the same class, when `classes` is given) by IoU > iou_threshold."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    overlap = iou(boxes, boxes) > iou_threshold
    if classes is not None:
        classes = np.asarray(classes).reshape(-1)
        overlap &= classes[:, None] == classes[None, :]
    suppressed = np.zeros(len(boxes), bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        if max_output is not None and len(keep) >= max_output:
            break
        suppressed |= overlap[i]
    return np.asarray(keep, np.int64)


def _average_precision(recall, precision):
    """Area under the precision envelope (VOC 2010+ all-point interpolation)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]          # envelope: max precision at any recall >= r
    step = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[step + 1] - r[step]) * p[step + 1]))


def average_precisions(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels, iou_threshold=0.5,
                       num_classes=None):
    """AP per class ({class id: AP}) over a dataset; each argument is a list with one array per image.

    As in VOC: by descending score, each detection takes the ground-truth box of its class and image with the highest
    IoU; it is a true positive when that IoU >= iou_threshold and the box is not taken yet, otherwise a false positive
    (a duplicate). Classes with no ground truth are left out.
    """
    if not len(pred_boxes) == len(pred_scores) == len(pred_labels) == len(true_boxes) == len(true_labels):
        raise ValueError("average_precisions: every argument needs one entry per image")
    tl = [np.asarray(t, np.int64).reshape(-1) for t in true_labels]
    pl = [np.asarray(p, np.int64).reshape(-1) for p in pred_labels]
    if num_classes is None:
        num_classes = 1 + max([int(t.max()) for t in tl + pl if t.size] or [0])
    aps = {}
    for c in range(num_classes):
        n_true = sum(int(np.sum(t == c)) for t in tl)
        if n_true == 0:
            continue
        dets = []   # (score, image, box)
        for i, (b, s, lab) in enumerate(zip(pred_boxes, pred_scores, pl)):
            b, s = np.asarray(b, np.float32).reshape(-1, 4), np.asarray(s, np.float32).reshape(-1)
            dets += [(s[j], i, b[j]) for j in np.flatnonzero(lab == c)]
        dets.sort(key=lambda d: -d[0])
        gts = [np.asarray(b, np.float32).reshape(-1, 4)[t == c] for b, t in zip(true_boxes, tl)]
        used = [np.zeros(len(g), bool) for g in gts]
        tp = np.zeros(len(dets))
        for k, (_, i, box) in enumerate(dets):
            if len(gts[i]) == 0:
                continue
            ov = iou(box[None], gts[i])[0]
            j = int(np.argmax(ov))
            if ov[j] >= iou_threshold and not used[i][j]:
                tp[k], used[i][j] = 1.0, True
        ctp = np.cumsum(tp)
        recall = ctp / n_true
        precision = ctp / np.arange(1, len(dets) + 1)
        aps[c] = _average_precision(recall, precision)
    return aps


def mean_average_precision(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels, iou_threshold=0.5,
                           num_classes=None):
    """mAP@iou_threshold: the mean of average_precisions over classes with ground truth (0.0 when there is none)."""
    aps = average_precisions(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels, iou_threshold,
                             num_classes)
    return float(np.mean(list(aps.values()))) if aps else 0.0
