"""What `keras.applications.{vgg16,vgg19,resnet50}` and `keras.preprocessing.image` offer, registered for pydl's
façades (`pydl.applications.vgg19.VGG19`, `pydl.preprocessing.image.ImageDataGenerator`).

The architectures default to weights='imagenet' as Keras's do: the Keras HDF5 file is read from the cache (see
models/weights.py; without it the error names the URL and the path to put it at). preprocess_input is Keras's
'caffe' mode for these three networks: RGB → BGR, minus the ImageNet channel means, no scaling.
decode_predictions reads ImageNet's class index (Keras's imagenet_class_index.json) from the same cache, fetching it
once when online.
"""
import json
import os
import urllib.error
import urllib.request

import numpy as np

from .models import resnet50, vgg16, vgg19
from .models.weights import cache_dir
from .preprocessing import image as image_module

IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_FILE = "imagenet_class_index.json"


def preprocess_input(x, data_format=None, **kwargs):
    """Keras's 'caffe' preprocessing of RGB images in [0, 255] (channels last): BGR order minus the ImageNet
    means. Returns a new float32 array (Keras also modifies float arrays in place; pydl never does)."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"preprocess_input: pydl images are channels_last, got data_format={data_format!r}")
    x = np.array(x, dtype=np.float32, copy=True)
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"preprocess_input: expected RGB images with 3 channels last, got shape {x.shape}")
    x = x[..., ::-1] - np.asarray(IMAGENET_BGR_MEAN, np.float32)
    return np.ascontiguousarray(x)


def _read_class_index(path):
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path} is not a readable ImageNet class index: {e}") from None
    ok = isinstance(index, dict) and len(index) == 1000 and all(
        isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v) for v in index.values())
    if not ok or sorted(index, key=int) != [str(i) for i in range(1000)]:
        raise ValueError(f"{path} is not an ImageNet class index (1000 entries '0'..'999' of [wnid, name])")
    return [tuple(index[str(i)]) for i in range(1000)]


def class_index(timeout=30):
    """The 1000 (wnid, name) pairs, from the cache; downloaded once (written atomically) when not cached."""
    path = os.path.join(cache_dir(), CLASS_INDEX_FILE)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            with urllib.request.urlopen(CLASS_INDEX_URL, timeout=timeout) as r, open(tmp, "wb") as f:
                f.write(r.read(1 << 20))  # the file is ~35 KB; never read more than 1 MiB
            _read_class_index(tmp)
            os.replace(tmp, path)
        except (urllib.error.URLError, OSError, ValueError) as e:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise FileNotFoundError(f"decode_predictions needs ImageNet's class index, which is not cached and could "
                                    f"not be downloaded ({e}). Download {CLASS_INDEX_URL} and place it at {path}") \
                from None
    return _read_class_index(path)


def decode_predictions(preds, top=5):
    """For each row of (n, 1000) ImageNet scores, the `top` (wnid, name, score) triples, best first."""
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"decode_predictions expects a batch of 1000 ImageNet scores, shape (n, 1000); got "
                         f"{preds.shape}")
    names = class_index()
    out = []
    for row in preds:
        best = np.argsort(row, kind="stable")[::-1][:top]
        out.append([(names[i][0], names[i][1], float(row[i])) for i in best])
    return out


def _keras_default(fn):
    """fn with weights='imagenet' as its default, as Keras's constructors have."""
    def application(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, **kwargs):
        return fn(include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                  pooling=pooling, classes=classes, **kwargs)
    application.__name__ = application.__qualname__ = fn.__name__.upper().replace("RESNET", "ResNet")
    application.__doc__ = f"{fn.__doc__ or ''}\n\nKeras's default: weights='imagenet'."
    return application


VGG16, VGG19, ResNet50 = _keras_default(vgg16), _keras_default(vgg19), _keras_default(resnet50)

KERAS_MODULES = {
    "applications.vgg16": {"VGG16": VGG16, "preprocess_input": preprocess_input,
                           "decode_predictions": decode_predictions},
    "applications.vgg19": {"VGG19": VGG19, "preprocess_input": preprocess_input,
                           "decode_predictions": decode_predictions},
    "applications.resnet50": {"ResNet50": ResNet50, "preprocess_input": preprocess_input,
                              "decode_predictions": decode_predictions},
    "preprocessing.image": {name: getattr(image_module, name) for name in image_module.__all__},
}


def register(registry):
    for path, names in KERAS_MODULES.items():
        registry.add_api(path, names, help=f"keras.{path}")
