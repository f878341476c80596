"""Reading Keras 2 HDF5 weight files (model.save_weights / model.save) with h5py: weights only, never the stored
architecture or any code. Layers are matched by order among layers with weights (Keras's default) or by name."""
import numpy as np


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("reading Keras HDF5 weight files needs h5py (pip install h5py)") from None
    return h5py


def _names(attr):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in attr]


def read_keras_h5(path):
    """[(layer name, [(weight name, array)])] for the layers that hold weights, in file order."""
    h5py = _h5py()
    out = []
    with h5py.File(path, "r") as f:
        g = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in g.attrs:
            raise ValueError(f"'{path}' is an HDF5 file without Keras's 'layer_names' attribute: not a Keras "
                             "weight file")
        for lname in _names(g.attrs["layer_names"]):
            lg = g[lname]
            wnames = _names(lg.attrs.get("weight_names", []))
            if wnames:
                out.append((lname, [(w, np.asarray(lg[w])) for w in wnames]))
    return out


def load_keras_h5_weights(model, path, by_name=False, skip_mismatch=False):
    entries = read_keras_h5(path)
    layers = [l for l in model.layers if l.weights]
    if by_name:
        table = {l.name: l for l in model.layers}
        pairs = [(table[n], ws) for n, ws in entries if n in table]
    else:
        if len(entries) != len(layers):
            raise ValueError(f"'{path}' holds weights for {len(entries)} layers ({', '.join(n for n, _ in entries)}) "
                             f"but the model has {len(layers)} layers with weights "
                             f"({', '.join(l.name for l in layers)})")
        pairs = list(zip(layers, [ws for _, ws in entries]))
    for layer, ws in pairs:
        own = layer._named_weights()
        try:
            if len(ws) != len(own):
                raise ValueError(f"'{path}': layer '{layer.name}' has {len(own)} weights in the model but the Keras "
                                 f"file has {len(ws)} ({', '.join(n for n, _ in ws)})")
            for (fname, arr), (mname, t) in zip(ws, own):
                if tuple(arr.shape) != tuple(t.shape):
                    raise ValueError(f"'{path}': cannot load weights into layer '{layer.name}': weight '{mname}' has "
                                     f"shape {tuple(t.shape)} in the model but the Keras file's '{fname}' has shape "
                                     f"{tuple(arr.shape)}")
            layer.set_weights([a for _, a in ws])
        except ValueError:
            if not (by_name and skip_mismatch):
                raise
