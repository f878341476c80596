"""Plots for vision models with matplotlib, without pyplot: each function builds a `matplotlib.figure.Figure`
(rendered by Agg when saved, so it works headless and leaves no global figure state), saves it when `path` is
given, and returns it.
"""
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import pydl.utils
from pydl.layers import Conv2D
from pydl.models import Model

_COLOURS = ("tab:red", "tab:green", "tab:blue", "tab:orange", "tab:purple", "tab:cyan", "tab:pink", "tab:olive")


def _finish(fig, path):
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=100)
    return fig


def _grid(n, ncols, cell=1.6):
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(cell * ncols, cell * nrows + 0.2))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    return fig, axes[:n]


def _show(ax, image):
    """Shows an (H, W), (H, W, 1) or (H, W, 3) image; values outside [0, 1] are rescaled to it."""
    img = np.asarray(image, np.float32)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    lo, hi = float(img.min()), float(img.max())
    if lo < 0.0 or hi > 1.0:
        img = (img - lo) / (hi - lo or 1.0)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0.0, vmax=1.0, interpolation="nearest")


def _name(value, class_names):
    value = int(value)
    return class_names[value] if class_names is not None and value < len(class_names) else str(value)


def image_grid(images, labels=None, predictions=None, class_names=None, ncols=8, path=None):
    """Images in a grid, titled with their label and prediction (a wrong prediction in red)."""
    images = np.asarray(images)
    fig, axes = _grid(len(images), ncols)
    for i, ax in enumerate(axes):
        _show(ax, images[i])
        parts, wrong = [], False
        if labels is not None:
            parts.append(_name(labels[i], class_names))
        if predictions is not None:
            parts.append(f"pred {_name(predictions[i], class_names)}")
            wrong = labels is not None and int(predictions[i]) != int(labels[i])
        if parts:
            ax.set_title(" / ".join(parts), fontsize=8, color="red" if wrong else "black")
    return _finish(fig, path)


def _find_layer(model, layer):
    if layer is None:
        stack = list(model.layers)
        while stack:   # depth-first, into nested models, for the first Conv2D
            lyr = stack.pop(0)
            if isinstance(lyr, Conv2D):
                return lyr
            stack[:0] = list(getattr(lyr, "layers", []))
        raise ValueError(f"model '{model.name}' has no Conv2D layer")
    if isinstance(layer, str):
        return model.get_layer(layer)
    if isinstance(layer, int):
        return model.layers[layer]
    return layer


def plot_filters(model, layer=None, ncols=8, path=None):
    """The kernels of a conv layer (default: the first Conv2D), one tile per filter, each scaled to [0, 1].

    RGB-input kernels are shown in colour; others as the mean over input channels, in grey.
    """
    lyr = _find_layer(model, layer)
    kernel = np.asarray(lyr.get_weights()[0], np.float32)          # (kh, kw, in, out)
    if kernel.ndim != 4:
        raise ValueError(f"plot_filters: layer '{lyr.name}' has a kernel of shape {kernel.shape}, not 4-D")
    fig, axes = _grid(kernel.shape[-1], ncols, cell=1.0)
    for i, ax in enumerate(axes):
        k = kernel[..., i]
        k = k if k.shape[-1] == 3 else k.mean(-1)
        k = (k - k.min()) / (k.max() - k.min() or 1.0)
        _show(ax, k)
    fig.suptitle(f"{lyr.name}: {kernel.shape[-1]} filters {kernel.shape[0]}x{kernel.shape[1]}", fontsize=9)
    return _finish(fig, path)


def feature_maps(model, layer, image):
    """The activations (H', W', C) of `layer` (name, index or layer) for one image of the model's input shape,
    from a sub-model Model(model.inputs, layer.output)."""
    lyr = _find_layer(model, layer)
    sub = Model(model.inputs, lyr.output)
    return np.asarray(sub.predict(np.asarray(image, np.float32)[None], verbose=0))[0]


def plot_feature_maps(model, layer, image, max_maps=16, ncols=8, path=None):
    """The first `max_maps` channels of feature_maps(model, layer, image), one tile each."""
    maps = feature_maps(model, layer, image)
    if maps.ndim != 3:
        raise ValueError(f"plot_feature_maps: the layer's output per image has shape {maps.shape}, not (H, W, C)")
    n = min(max_maps, maps.shape[-1])
    fig, axes = _grid(n, ncols, cell=1.2)
    for i, ax in enumerate(axes):
        ax.imshow(maps[..., i], cmap="viridis", interpolation="nearest")
        ax.set_title(str(i), fontsize=7)
    return _finish(fig, path)


def learning_curves(history, metrics=None, path=None):
    """pydl.utils.plot_history: one panel per metric with training and validation curves; `history` is a History
    from fit() or its .history dict."""
    return pydl.utils.plot_history(history, metrics, path)


SCORE_THRESHOLD = 0.5  # draw_detections' default: weaker boxes are hidden (decode keeps them for mAP)


def _score_threshold(value):
    """`value` as a float if it is in [0, 1], else ValueError naming it."""
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"score_threshold must be a number in [0, 1], got {value!r}") from None
    if not 0.0 <= t <= 1.0:  # also refuses NaN
        raise ValueError(f"score_threshold must be in [0, 1], got {value!r}")
    return t


def draw_detections(images, boxes, labels=None, scores=None, true_boxes=None, class_names=None, ncols=4,
                    path=None, score_threshold=SCORE_THRESHOLD):
    """Images with their predicted boxes (colour by class, with label and score) and optional true boxes (white,
    dashed). boxes/labels/scores/true_boxes are per-image lists; boxes are (x1, y1, x2, y2) in pixels. With scores,
    boxes scoring below `score_threshold` (in [0, 1], default 0.5; 0 shows all) are not drawn."""
    threshold = _score_threshold(score_threshold)
    images = np.asarray(images)
    fig, axes = _grid(len(images), ncols, cell=2.4)
    for i, ax in enumerate(axes):
        _show(ax, images[i])
        if true_boxes is not None:
            for x1, y1, x2, y2 in np.asarray(true_boxes[i]).reshape(-1, 4):
                # pixel j covers [j - 0.5, j + 0.5] in imshow's coordinates
                ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor="white",
                                       linestyle="--", linewidth=1))
        for j, (x1, y1, x2, y2) in enumerate(np.asarray(boxes[i]).reshape(-1, 4)):
            if scores is not None and not float(scores[i][j]) >= threshold:  # NaN scores are not shown either
                continue
            c = int(labels[i][j]) if labels is not None else 0
            colour = _COLOURS[c % len(_COLOURS)]
            ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=colour,
                                   linewidth=1.5))
            text = _name(c, class_names) if labels is not None else ""
            if scores is not None:
                text = f"{text} {float(scores[i][j]):.2f}".strip()
            if text:
                ax.text(x1 - 0.5, y1 - 1.0, text, color=colour, fontsize=6, va="bottom")
    return _finish(fig, path)


def _colour_mask(mask):
    """(H, W, 3) colours of a class mask: class c > 0 gets _COLOURS[c - 1] (cycling), background black."""
    palette = np.array([(0.0, 0.0, 0.0)] + [to_rgb(c) for c in _COLOURS], np.float32)
    m = np.asarray(mask, np.int64)
    return palette[np.where(m > 0, (m - 1) % len(_COLOURS) + 1, 0)]


def overlay_masks(images, masks, true_masks=None, alpha=0.7, class_names=None, path=None):
    """Each image, in grey, with its predicted class mask blended on top in colour (background 0 left clear); with
    true_masks, a second row shows the truth the same way. Masks are (n, H, W) integer class ids."""
    images = np.asarray(images, np.float32)
    rows = [("pred", np.asarray(masks))] + ([("true", np.asarray(true_masks))] if true_masks is not None else [])
    n = len(images)
    legend = list(class_names[1:]) if class_names is not None else []
    # wide enough for the legend's row (~0.07 in a character at fontsize 7, plus its colour patch) even for one image
    width = max(1.8 * n, 0.3 + sum(0.45 + 0.07 * len(str(name)) for name in legend))
    # constrained layout puts each title above its own image, never over the row above (tight_layout did: square
    # images leave the axes shorter than their slot), and gives the legend its own strip below
    fig = Figure(figsize=(width, 2.0 * len(rows) + (0.4 if legend else 0.0)), layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (title, ms) in enumerate(rows):
        for i in range(n):
            ax = axes[r, i]
            ax.set_axis_off()
            # on a grey copy of the image, so the class colours are not confused with the scene's own colours
            grey = np.clip(images[i], 0, 1)
            grey = grey.mean(-1) if grey.ndim == 3 else grey
            img = np.repeat(grey[..., None], 3, -1)
            colour = _colour_mask(ms[i])
            a = np.where(ms[i][..., None] > 0, alpha, 0.0)
            _show(ax, (1 - a) * img + a * colour)
            ax.set_title(f"{title} {i}", fontsize=7)
    if legend:
        handles = [Rectangle((0, 0), 1, 1, color=_COLOURS[c % len(_COLOURS)]) for c in range(len(legend))]
        fig.legend(handles, legend, loc="outside lower center", ncol=len(handles), fontsize=7)
    if path:
        fig.savefig(path, dpi=100)
    return fig
