"""Object detection on a grid (YOLO-style): model, targets and loss, decoding, IoU / NMS / mAP."""
from .boxes import average_precisions, iou, mean_average_precision, nms
from .decode import decode
from .loss import encode_targets, make_detection_loss
from .model import build_detector, grid_size

__all__ = ["iou", "nms", "average_precisions", "mean_average_precision", "decode", "encode_targets",
           "make_detection_loss", "build_detector", "grid_size"]
