"""Reading Keras 2 HDF5 weight files (model.save_weights / model.save) with h5py: weights only, never the stored
architecture or any code. Layers are matched by order among layers with weights (Keras's default) or by name.
Every dataset's size is checked against the load limits (and its stored size, for compressed datasets) before it
is read; anything malformed is a CorruptFileError naming the file."""
import os

import numpy as np

from .errors import CorruptFileError
from .limits import MAX_DIMS, check_member_size, limits


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("reading Keras HDF5 weight files needs h5py (pip install h5py)") from None
    return h5py


def _names(path, attr, what):
    if isinstance(attr, (bytes, str)) or not hasattr(attr, "__iter__"):
        raise CorruptFileError(f"'{path}': attribute {what} must be a list of names, got {attr!r:.80}")
    out = []
    for n in attr:
        if not isinstance(n, (bytes, str, np.bytes_, np.str_)):
            raise CorruptFileError(f"'{path}': attribute {what} holds a non-name {n!r:.80}")
        out.append(n.decode("utf8") if isinstance(n, bytes) else str(n))
    return out


def _dataset(h5py, path, lg, w, budget):
    ds = lg.get(w)
    if not isinstance(ds, h5py.Dataset):
        raise CorruptFileError(f"'{path}': weight {w!r} is listed but is not a dataset in the file")
    if ds.shape is None or len(ds.shape) > MAX_DIMS or ds.dtype.kind not in "biuf" or ds.dtype.fields is not None:
        raise CorruptFileError(f"'{path}': weight {w!r} has an unsupported shape {ds.shape} or dtype {ds.dtype}")
    declared = int(np.prod(ds.shape, dtype=object)) * ds.dtype.itemsize
    stored = ds.id.get_storage_size()
    if ds.compression is None and declared > max(stored, 0) and declared > os.path.getsize(path):
        raise CorruptFileError(f"'{path}': weight {w!r} declares {declared} bytes but the file is smaller")
    check_member_size(path, f"weight {w!r}", stored, declared, budget[0], budget[1])
    budget[1] -= declared
    return np.asarray(ds[()])


def read_keras_h5(path, max_bytes=None):
    """[(layer name, [(weight name, array)])] for the layers that hold weights, in file order."""
    h5py = _h5py()
    lim = limits(max_bytes)
    budget = [lim, lim.max_bytes]
    out = []
    try:
        with h5py.File(path, "r") as f:
            g = f["model_weights"] if "model_weights" in f else f
            if not isinstance(g, h5py.Group) or "layer_names" not in g.attrs:
                raise CorruptFileError(f"'{path}' is an HDF5 file without Keras's 'layer_names' attribute: not a "
                                       "Keras weight file")
            for lname in _names(path, g.attrs["layer_names"], "layer_names"):
                lg = g.get(lname)
                if not isinstance(lg, h5py.Group):
                    raise CorruptFileError(f"'{path}': layer {lname!r} is listed in layer_names but has no group")
                wnames = _names(path, lg.attrs.get("weight_names", []), f"{lname}/weight_names")
                if wnames:
                    out.append((lname, [(w, _dataset(h5py, path, lg, w, budget)) for w in wnames]))
    except CorruptFileError:
        raise
    except (OSError, KeyError, TypeError, ValueError, AttributeError, RuntimeError) as e:  # h5py on a broken file
        raise CorruptFileError(f"'{path}' is a corrupt HDF5 file ({type(e).__name__}: {str(e)[:200]})") from None
    return out


def load_keras_h5_weights(model, path, by_name=False, skip_mismatch=False, max_bytes=None):
    """All weights or none: every layer is matched and checked before the first weight is assigned."""
    from .model_io import _plan, commit
    commit(_plan(model, read_keras_h5(path, max_bytes), path, by_name, skip_mismatch))
