"""Batch iterators of ImageDataGenerator (Keras 2 semantics): Sequence-like (len, [i], on_epoch_end) and endless
(next). With a seed, batch k draws its shuffle and transforms from a generator seeded by (seed, k) — Keras re-seeds
NumPy's global generator with seed + k; a private generator gives the same determinism without touching it."""
import os
import threading
import warnings

import numpy as np

from .image_utils import array_to_img


class Iterator:
    """Base: subclasses set n samples and implement _batch(index_array, rng)."""
    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.n, self.batch_size, self.shuffle, self.seed = n, int(batch_size), shuffle, seed
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def _rng(self, purpose=0):
        if self.seed is None:
            return np.random   # NumPy's global generator, so np.random.seed / pydl.utils.set_random_seed apply
        return np.random.default_rng([int(self.seed), self.total_batches_seen, purpose])

    def _set_index_array(self, rng):
        self.index_array = rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx):
        if not 0 <= idx < len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        rng = self._rng()
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array(rng)
        return self._batch(self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)], rng)

    def on_epoch_end(self):
        self._set_index_array(self._rng(purpose=1))

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        """Endless batches of indices; a new order at the start of each pass."""
        self.reset()
        while True:
            rng = self._rng()
            if self.batch_index == 0:
                self._set_index_array(rng)
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size], rng

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array, rng = next(self.index_generator)
        return self._batch(index_array, rng)

    next = __next__

    def _transform(self, x, rng):
        gen = self.image_data_generator
        x = gen.apply_transform(x.astype(self.dtype), gen._draw_transform(x.shape, rng))
        return gen.standardize(x)

    def _save(self, batch_x, index_array, rng):
        if not self.save_to_dir:
            return
        for i, j in enumerate(index_array):
            tag = rng.integers(10 ** 7) if hasattr(rng, "integers") else rng.randint(10 ** 7)
            name = f"{self.save_prefix}_{j}_{int(tag)}.{self.save_format}"   # Keras's prefix_index_hash.format
            array_to_img(batch_x[i], scale=True).save(os.path.join(self.save_to_dir, name))


class NumpyArrayIterator(Iterator):
    """Batches (x, y[, sample_weight]) — or x alone when y is None — of transformed images from arrays."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format="channels_last", save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 dtype="float32"):
        self.dtype = dtype
        x = np.asarray(x, dtype=dtype)
        if x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with shape "
                             f"{x.shape}")
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same length. Found: x.shape = "
                             f"{x.shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same length. Found: x.shape = "
                             f"{x.shape}, sample_weight.shape = {np.asarray(sample_weight).shape}")
        y = None if y is None else np.asarray(y)
        sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
            split = int(len(x) * image_data_generator._validation_split)
            if y is not None and not np.array_equal(np.unique(y[:split]), np.unique(y[split:])):
                raise ValueError("Training and validation subsets have different number of classes after the split. "
                                 "If your numpy arrays are sorted by the label, you might want to shuffle them.")
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        if x.shape[3] not in (1, 3, 4):
            warnings.warn(f"NumpyArrayIterator expects channels-last images with 1, 3 or 4 channels on axis 3; it was "
                          f"passed an array with shape {x.shape} ({x.shape[3]} channels).")
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.image_data_generator = image_data_generator
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(len(x), batch_size, shuffle, seed)

    def _batch(self, index_array, rng):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._transform(self.x[j], rng)
        self._save(batch_x, index_array, rng)
        if self.y is None:
            return batch_x
        out = (batch_x, self.y[index_array])
        return out if self.sample_weight is None else out + (self.sample_weight[index_array],)
