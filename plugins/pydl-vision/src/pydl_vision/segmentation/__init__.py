"""Semantic segmentation: a U-Net and mean IoU."""
from .metrics import confusion_matrix, iou_per_class, mean_iou
from .unet import build_unet

__all__ = ["build_unet", "mean_iou", "iou_per_class", "confusion_matrix"]
