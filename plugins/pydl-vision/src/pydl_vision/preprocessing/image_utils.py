"""Image files <-> arrays with Pillow (Keras's load_img, img_to_array, array_to_img, save_img); channels last."""
import io
import warnings

import numpy as np


def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow is a dependency of the plugin
        raise ImportError("Reading and writing images needs Pillow: pip install pillow") from e
    return Image


def _resample(name):
    Image = _pil()
    methods = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC", "hamming": "HAMMING",
               "box": "BOX", "lanczos": "LANCZOS"}
    if name not in methods:
        raise ValueError(f"Invalid interpolation method {name} specified. Supported methods are "
                         f"{', '.join(methods)}")
    return getattr(getattr(Image, "Resampling", Image), methods[name])


def _check_format(data_format):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"pydl images are channels_last (NHWC); got data_format={data_format!r}")


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest"):
    """A PIL image converted to `color_mode` ('grayscale', 'rgb', 'rgba') and resized to target_size=(h, w)."""
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"', DeprecationWarning)
        color_mode = "grayscale"
    modes = {"grayscale": ("L", ("L", "I;16", "I")), "rgb": ("RGB", ("RGB",)), "rgba": ("RGBA", ("RGBA",))}
    if color_mode not in modes:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba", got {color_mode!r}')
    with open(path, "rb") as f:   # read whole so the file is closed at once
        img = _pil().open(io.BytesIO(f.read()))
    mode, keep = modes[color_mode]
    if img.mode not in keep:
        img = img.convert(mode)
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))   # PIL sizes are (width, height)
        if img.size != size:
            img = img.resize(size, _resample(interpolation))
    return img


def img_to_array(img, data_format="channels_last", dtype="float32"):
    """A (height, width, channels) array; grayscale images get a channel axis of 1."""
    _check_format(data_format)
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 2:
        x = x.reshape(x.shape + (1,))
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(x, data_format="channels_last", scale=True, dtype="float32"):
    """A PIL image from a (h, w, 1|3|4) array; scale=True stretches the values to 0..255 first (Keras)."""
    _check_format(data_format)
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    Image = _pil()
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"))   # mode RGB / RGBA from the shape
    if channels == 1:
        if np.max(x) > 255:   # 32-bit integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"))   # mode I
        return Image.fromarray(x[:, :, 0].astype("uint8"))       # mode L
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format="channels_last", file_format=None, scale=True, **kwargs):
    """Saves an image array to a file (format from the extension unless file_format is given)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpg" or file_format == "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
