"""Writing Keras 2 HDF5 files with h5py: `model.save('m.h5')` and `model.save_weights('w.h5')`.

The layout is Keras 2's, so Keras and other readers of Keras 2 files can open them: the root (save_weights) or the
group `model_weights` (save) has the attribute `layer_names`; each layer's group lists `weight_names`
("dense_1/kernel:0") and holds those datasets. `save` adds the attributes `model_config` and `training_config`
(JSON). Loading a whole model back is offered only for files pydl wrote (`backend` = "pydl"): their config is read
through pydl's registry like a .pydl file's, never as code. Optimizer slots are not stored in HDF5 (use .pydl).
"""
import io
import json
import os

import numpy as np

from .atomic import atomic_write
from .errors import CorruptFileError
from .limits import MAX_JSON_BYTES

H5_SUFFIXES = (".h5", ".hdf5")
KERAS_VERSION = b"2.15.0"  # the Keras 2 file layout these files follow


def is_h5_path(filepath):
    return isinstance(filepath, (str, os.PathLike)) and os.fspath(filepath).lower().endswith(H5_SUFFIXES)


def _h5py(path):
    try:
        import h5py
    except ImportError:
        raise ImportError(f"saving to {os.fspath(path)!r} writes Keras 2's HDF5 format, which needs h5py "
                          "(pip install h5py); or save to a .pydl path (pydl's own format, no extra package)") from None
    return h5py


def _write_weights(group, model):
    layers = [layer for layer in model.layers if layer.weights]
    group.attrs["layer_names"] = np.array([layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = b"pydl"
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in layers:
        lg = group.create_group(layer.name)
        names = [f"{wname}:0" for wname, _ in layer._named_weights()]
        lg.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
        for name, (_, t) in zip(names, layer._named_weights()):
            lg.create_dataset(name, data=np.asarray(t))


def _write(path, fill):
    h5py = _h5py(path)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        fill(f)
    atomic_write(path, buf.getvalue())


def save_weights_h5(model, path):
    _write(path, lambda f: _write_weights(f, model))


def save_model_h5(model, path, training_config):
    from .serialization import model_to_config

    def fill(f):
        f.attrs["backend"] = b"pydl"
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["model_config"] = json.dumps(model_to_config(model)).encode("utf8")
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        _write_weights(f.create_group("model_weights"), model)
    _write(path, fill)


def _json_attr(path, attrs, name):
    raw = attrs.get(name)
    if raw is None:
        return None
    raw = raw.encode("utf8") if isinstance(raw, str) else bytes(raw)
    if len(raw) > MAX_JSON_BYTES:
        raise CorruptFileError(f"'{path}': attribute {name} is larger than {MAX_JSON_BYTES} bytes")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise CorruptFileError(f"'{path}': attribute {name} is not valid JSON ({e})") from None


def read_pydl_h5_config(path):
    """(model config, training config or None) of an HDF5 file pydl wrote; ValueError for anyone else's."""
    h5py = _h5py(path)
    try:
        with h5py.File(path, "r") as f:
            backend = f.attrs.get("backend")
            backend = backend.decode("utf8", "replace") if isinstance(backend, bytes) else str(backend)
            if backend != "pydl" or "model_config" not in f.attrs:
                raise ValueError(f"'{path}' is an HDF5 (Keras) file. pydl loads only weights from HDF5 files it did "
                                 "not write, never architectures (they may contain code): build the model in "
                                 "Python, then call model.load_weights(path)")
            return _json_attr(path, f.attrs, "model_config"), _json_attr(path, f.attrs, "training_config")
    except (OSError, KeyError, TypeError, AttributeError, RuntimeError) as e:  # h5py on a broken file
        raise CorruptFileError(f"'{path}' is a corrupt HDF5 file ({type(e).__name__}: {str(e)[:200]})") from None
