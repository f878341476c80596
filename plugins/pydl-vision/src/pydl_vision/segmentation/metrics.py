"""Segmentation metrics from integer class masks (NumPy)."""
import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """(num_classes, num_classes) pixel counts, rows = true class, columns = predicted class."""
    t = np.asarray(y_true, np.int64).reshape(-1)
    p = np.asarray(y_pred, np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: masks differ in size ({np.shape(y_true)} vs {np.shape(y_pred)})")
    return np.bincount(t * num_classes + p, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def iou_per_class(y_true, y_pred, num_classes):
    """IoU = TP / (TP + FP + FN) for each class; NaN for a class absent from both masks."""
    cm = confusion_matrix(y_true, y_pred, num_classes).astype(np.float64)
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def mean_iou(y_true, y_pred, num_classes):
    """Mean over classes (background included, like keras.metrics.MeanIoU) of the IoU, skipping classes absent from
    both masks. Inputs are integer class masks of the same shape."""
    per = iou_per_class(y_true, y_pred, num_classes)
    return float(np.nanmean(per)) if np.any(~np.isnan(per)) else 0.0
