"""Small valid pydl files to mutate (shared by the saving tests and tests/fuzz/fuzz_loaders.py)."""
import io
import json
import zipfile

import numpy as np

import pydl
from pydl import layers as L
from pydl.models import Sequential
from pydl.saving import archive


def small_model():
    m = Sequential([L.Dense(4, activation="relu", input_shape=(3,)), L.BatchNormalization(), L.Dense(2)])
    m.compile(pydl.optimizers.Adam(lr=0.01), "mse")
    x = np.arange(15, dtype="float32").reshape(5, 3) / 10
    m.train_on_batch(x, np.ones((5, 2), "float32"))
    return m


def save_bytes(model, weights_only=False, container=None, tmp=None):
    """The bytes of model.save / save_weights, with the container forced ('npz': what older pydl versions wrote)."""
    import os
    import tempfile
    original = archive.pack_arrays
    archive.pack_arrays = lambda arrays, c=None: original(arrays, container or "safetensors")
    try:
        with tempfile.TemporaryDirectory(dir=tmp) as d:
            path = os.path.join(d, "f.pydl")
            (model.save_weights if weights_only else model.save)(path)
            with open(path, "rb") as f:
                return f.read()
    finally:
        archive.pack_arrays = original


def members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def build(members_, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for n, b in members_.items():
            z.writestr(n, b)
    return buf.getvalue()


def with_doc(data, name, fn):
    """The file with JSON member `name` replaced by fn(parsed document) (fn may mutate and return None)."""
    ms = members(data)
    doc = json.loads(ms[name])
    out = fn(doc)
    ms[name] = json.dumps(doc if out is None else out).encode()
    return build(ms)


def with_member(data, name, raw):
    ms = members(data)
    if raw is None:
        del ms[name]
    else:
        ms[name] = raw
    return build(ms)


def npy_bytes(header_dict, payload):
    """A version-1.0 .npy member with an arbitrary header (the header is not validated here)."""
    h = repr(header_dict).encode("latin1")
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + payload


def safetensors_bytes(header, payload):
    h = json.dumps(header).encode()
    return len(h).to_bytes(8, "little") + h + payload
