"""Real-time image augmentation with Keras 2's ImageDataGenerator API, for channels-last (NHWC) images.

    datagen = ImageDataGenerator(rescale=1/255, rotation_range=10, width_shift_range=0.1, horizontal_flip=True)
    model.fit(datagen.flow(x, y, batch_size=32, seed=0), steps_per_epoch=len(x) // 32, epochs=5)

Each image gets one affine warp (rotation, shift, shear, zoom composed into a single inverse map, see affine.py),
then the flips, then standardize(): preprocessing_function, rescale, centring and scaling, in Keras's order.
"""
import numbers

import numpy as np

from .affine import FILL_MODES, apply_affine_transform, transform_matrix, warp
from .directory import DirectoryIterator
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .iterators import Iterator, NumpyArrayIterator

__all__ = ["ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator", "load_img", "img_to_array",
           "array_to_img", "save_img", "apply_affine_transform"]


def _draw_shift(rng, spec, size):
    """Keras's shift ranges: a float draws uniformly from (-spec, spec); an int n picks whole pixels from
    (-n, n); a list picks one of its values with a random sign. Values below 1 are fractions of `size`."""
    if not np.any(spec):
        return 0.0
    if isinstance(spec, (float, np.floating)):
        v = rng.uniform(-spec, spec)
    else:
        choices = np.arange(int(spec)) if isinstance(spec, numbers.Integral) else np.asarray(spec)
        v = rng.choice(choices) * rng.choice([-1, 1])
    return float(v * size if np.max(spec) < 1 else v)


class ImageDataGenerator:
    """Random transforms and normalisation for batches of images (Keras 2 arguments; channels-last only)."""

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format="channels_last",
                 validation_split=0.0, interpolation_order=1, dtype="float32"):
        if zca_whitening:
            raise NotImplementedError("ImageDataGenerator(zca_whitening=True) is not supported by pydl-vision")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"pydl images are channels_last (NHWC); got data_format={data_format!r}")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        if isinstance(zoom_range, (float, int)):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (list, tuple)) and len(zoom_range) == 2 and \
                all(isinstance(v, (float, int)) for v in zoom_range):
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if brightness_range is not None and (not isinstance(brightness_range, (list, tuple, np.ndarray)) or
                                             len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1. Received: {validation_split}")
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range, self.zoom_range, self.channel_shift_range = brightness_range, zoom_range, \
            channel_shift_range
        self.fill_mode, self.cval, self.interpolation_order = fill_mode, cval, interpolation_order
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function, self.dtype = rescale, preprocessing_function, dtype
        self._validation_split = validation_split
        self.mean = self.std = None

    # ---- iterators ----
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", subset=None):
        """An iterator over transformed batches (x, y[, sample_weight]) of the arrays: len() batches per pass,
        [i] for batch i, next() forever. Pass it to model.fit like a Keras Sequence."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest"):
        """Like flow, from a folder with one subfolder of images per class (read with Pillow, resized to
        target_size=(height, width))."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset, interpolation=interpolation,
                                 dtype=self.dtype)

    # ---- transforms ----
    def get_random_transform(self, img_shape, seed=None):
        """The parameters random_transform would apply to an image of img_shape (h, w, channels)."""
        return self._draw_transform(img_shape, np.random if seed is None else np.random.default_rng(seed))

    def _draw_transform(self, img_shape, rng):
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0.0
        tx = _draw_shift(rng, self.height_shift_range, img_shape[0])   # rows, as Keras names it
        ty = _draw_shift(rng, self.width_shift_range, img_shape[1])
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0.0
        lo, hi = self.zoom_range
        zx, zy = (1.0, 1.0) if lo == 1 and hi == 1 else rng.uniform(lo, hi, 2)
        flip_h = bool(rng.random() < 0.5) and bool(self.horizontal_flip)
        flip_v = bool(rng.random() < 0.5) and bool(self.vertical_flip)
        shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range) if self.channel_shift_range \
            else None
        brightness = rng.uniform(*self.brightness_range) if self.brightness_range is not None else None
        return {"theta": float(theta), "tx": tx, "ty": ty, "shear": float(shear), "zx": float(zx),
                "zy": float(zy), "flip_horizontal": flip_h, "flip_vertical": flip_v,
                "channel_shift_intensity": shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies the given parameters (missing keys mean 'no change') to one image (h, w, channels)."""
        p = transform_parameters
        x = np.asarray(x)
        m = transform_matrix(x.shape[0], x.shape[1], p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                             p.get("shear", 0), p.get("zx", 1), p.get("zy", 1))
        if m is not None:
            x = warp(x, m, self.fill_mode, self.cval, self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = np.clip(x + p["channel_shift_intensity"], np.min(x), np.max(x))
        if p.get("flip_horizontal"):
            x = x[:, ::-1]
        if p.get("flip_vertical"):
            x = x[::-1]
        if p.get("brightness") is not None:   # Keras goes through PIL's Brightness: a factor clipped to 0..255
            x = np.clip(x * p["brightness"], 0, 255) if x.min() >= 0 and x.max() <= 255 else x * p["brightness"]
        return np.ascontiguousarray(x)

    def random_transform(self, x, seed=None):
        """One randomly transformed copy of image x (h, w, channels); the same seed gives the same result."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    # ---- normalisation ----
    def standardize(self, x):
        """preprocessing_function, rescale, then sample/feature-wise centring and scaling (Keras's order)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x = x * self.rescale
        if self.samplewise_center:
            x = x - np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (np.std(x, keepdims=True) + 1e-6)
        if self.featurewise_center:
            if self.mean is None:
                raise ValueError("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                                 "any training data. Fit it first by calling `.fit(numpy_data)`.")
            x = x - self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                raise ValueError("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                                 "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.")
            x = x / (self.std + 1e-6)
        return x.astype(self.dtype, copy=False)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Per-channel mean / std of x (N, h, w, c) for featurewise_center / featurewise_std_normalization;
        augment=True measures `rounds` randomly transformed copies instead."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if augment:
            rng = np.random if seed is None else np.random.default_rng(seed)
            x = np.stack([self.apply_transform(img, self._draw_transform(img.shape, rng))
                          for _ in range(rounds) for img in x])
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(1, 1, -1)
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(1, 1, -1)
