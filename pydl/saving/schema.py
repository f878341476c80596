"""Parsing and validating the JSON documents of a pydl file: every field's type is checked here, so a malformed
document is a CorruptFileError naming the file, the member and the field, never a KeyError/TypeError later."""
import json

import numpy as np

from .errors import CorruptFileError
from .limits import MAX_DIMS, MAX_JSON_DEPTH

FORMAT_NAME = "pydl"
FORMAT_VERSION = 1
WEIGHT_MEMBERS = ("weights.safetensors", "weights.npz")
DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64")


def parse_json(path, name, raw):
    """The parsed document; bad UTF-8, bad JSON, over-long integers and nesting deeper than MAX_JSON_DEPTH are
    CorruptFileError."""
    try:
        doc = json.loads(bytes(raw).decode("utf-8"))
    except (ValueError, RecursionError) as e:  # JSONDecodeError, UnicodeDecodeError and int digit limits
        raise CorruptFileError(f"'{path}': member {name} is not valid JSON ({type(e).__name__}: {str(e)[:200]})") \
            from None
    stack = [(doc, 1)]
    while stack:  # iterative: the depth check itself must not recurse
        obj, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise CorruptFileError(f"'{path}': member {name} nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)
    return doc


def _fail(path, where, what, value):
    raise CorruptFileError(f"'{path}': {where} {what}, got {value!r:.120}")


def _keys(path, where, doc, required, optional=()):
    if not isinstance(doc, dict):
        _fail(path, where, "must be a JSON object", doc)
    missing = [k for k in required if k not in doc]
    if missing:
        _fail(path, where, f"is missing {', '.join(missing)}", doc)
    extra = sorted(set(doc) - set(required) - set(optional))
    if extra:
        _fail(path, where, f"has unknown fields {', '.join(map(repr, extra))}", doc)


def _int(path, where, v, lo=0):
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        _fail(path, where, f"must be an integer >= {lo}", v)
    return v


def _str(path, where, v):
    if not isinstance(v, str):
        _fail(path, where, "must be a string", v)
    return v


def _list(path, where, v):
    if not isinstance(v, list):
        _fail(path, where, "must be a list", v)
    return v


def shape(path, where, v):
    _list(path, where, v)
    if len(v) > MAX_DIMS:
        _fail(path, where, f"has more than {MAX_DIMS} dimensions", v)
    return tuple(_int(path, f"{where} dimension", d) for d in v)


def check_header(path, doc):
    _keys(path, "pydl_format.json", doc, ("format", "version", "kind", "weights"))
    if doc["format"] != FORMAT_NAME:
        _fail(path, "pydl_format.json 'format'", f"must be {FORMAT_NAME!r}", doc["format"])
    version = _int(path, "pydl_format.json 'version'", doc["version"], lo=1)
    if version > FORMAT_VERSION:
        raise CorruptFileError(f"'{path}' was written by a newer pydl (format version {version}; this pydl reads "
                               f"up to {FORMAT_VERSION})")
    if doc["kind"] not in ("model", "weights", "word2vec"):
        _fail(path, "pydl_format.json 'kind'", "must be 'model', 'weights' or 'word2vec'", doc["kind"])
    if doc["weights"] not in WEIGHT_MEMBERS:
        _fail(path, "pydl_format.json 'weights'", f"must be one of {WEIGHT_MEMBERS}", doc["weights"])


def check_manifest(path, doc, arrays):
    """The weights.json layers, checked field by field and against the container (every key present once, with the
    shape and dtype the manifest states)."""
    _keys(path, "weights.json", doc, ("layers",))
    used = set()
    for i, entry in enumerate(_list(path, "weights.json 'layers'", doc["layers"])):
        where = f"weights.json layer {i}"
        _keys(path, where, entry, ("name", "class_name", "weights"))
        _str(path, f"{where} 'name'", entry["name"])
        _str(path, f"{where} 'class_name'", entry["class_name"])
        for j, w in enumerate(_list(path, f"{where} 'weights'", entry["weights"])):
            wwhere = f"{where} weight {j}"
            _keys(path, wwhere, w, ("name", "shape", "dtype", "key"))
            _str(path, f"{wwhere} 'name'", w["name"])
            shp = shape(path, f"{wwhere} 'shape'", w["shape"])
            if w["dtype"] not in DTYPES:
                _fail(path, f"{wwhere} 'dtype'", f"must be one of {', '.join(DTYPES)}", w["dtype"])
            key = _str(path, f"{wwhere} 'key'", w["key"])
            if key in used:
                _fail(path, f"{wwhere} 'key'", "is used twice", key)
            used.add(key)
            if key not in arrays:
                raise CorruptFileError(f"'{path}' is incomplete: weight '{w['name']}' ({key}) is missing")
            a = arrays[key]
            if a.shape != shp or a.dtype != np.dtype(w["dtype"]):
                raise CorruptFileError(f"'{path}': weight '{w['name']}' is stored as {a.dtype}{list(a.shape)} but "
                                       f"the manifest says {w['dtype']}{list(shp)}")
    return doc["layers"]


def check_config(path, doc):
    _keys(path, "config.json", doc, ("model",))
    _keys(path, "config.json 'model'", doc["model"], ("class_name", "config"))
    _str(path, "config.json model 'class_name'", doc["model"]["class_name"])
    if not isinstance(doc["model"]["config"], dict):
        _fail(path, "config.json model 'config'", "must be a JSON object", doc["model"]["config"])
    return doc["model"]


def check_training(path, doc):
    _keys(path, "training.json", doc, ("optimizer", "loss", "metrics", "loss_weights"))
    _keys(path, "training.json 'optimizer'", doc["optimizer"], ("class_name", "config"))
    _str(path, "training.json optimizer 'class_name'", doc["optimizer"]["class_name"])
    if not isinstance(doc["optimizer"]["config"], dict):
        _fail(path, "training.json optimizer 'config'", "must be a JSON object", doc["optimizer"]["config"])
    if not isinstance(doc["loss"], (str, dict, list)):
        _fail(path, "training.json 'loss'", "must be a string, object or list", doc["loss"])
    return doc


def check_optimizer_state(path, doc, n_weights):
    _keys(path, "optimizer_state.json", doc, ("iterations", "params"), ("m_schedule",))
    _int(path, "optimizer_state.json 'iterations'", doc["iterations"])
    for k in _list(path, "optimizer_state.json 'params'", doc["params"]):
        if _int(path, "optimizer_state.json parameter index", k) >= n_weights:
            _fail(path, "optimizer_state.json parameter index", f"must be < {n_weights} (the model's weights)", k)
    m = doc.get("m_schedule", 1.0)
    if isinstance(m, bool) or not isinstance(m, (int, float)) or not np.isfinite(m):
        _fail(path, "optimizer_state.json 'm_schedule'", "must be a finite number", m)
    return doc
