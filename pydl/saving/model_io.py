"""model.save / load_model and save_weights / load_weights on top of the pydl archive (archive.py), plus Keras 2
HDF5 weight files through keras_h5.py."""
import os

import numpy as np

from .archive import CorruptFileError, file_kind, read_archive, write_archive
from .serialization import model_from_config, model_to_config


def _layers_with_weights(model):
    return [l for l in model.layers if l.weights]


def weights_manifest(model):
    """([{'name', 'class_name', 'weights': [{'name', 'shape', 'dtype'}]}], {key: array}) in layer order."""
    manifest, arrays = [], {}
    for i, layer in enumerate(_layers_with_weights(model)):
        entry = {"name": layer.name, "class_name": type(layer).__name__, "weights": []}
        for j, (wname, t) in enumerate(layer._named_weights()):
            key = f"{i:05d}/{j:03d}"
            arrays[key] = np.array(t, copy=True)
            entry["weights"].append({"name": wname, "shape": list(t.shape), "dtype": str(t.dtype), "key": key})
        manifest.append(entry)
    return manifest, arrays


def _check_overwrite(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists; pass overwrite=True to replace it")


def save_weights(model, filepath, overwrite=True, extra=None):
    """extra: additional JSON documents ({member name: data}), e.g. ModelCheckpoint's best value."""
    _check_overwrite(filepath, overwrite)
    manifest, arrays = weights_manifest(model)
    write_archive(filepath, "weights", dict(extra or {}, **{"weights.json": {"layers": manifest}}), arrays)


def _training_config(model):
    from .. import losses, optimizers
    if not getattr(model, "_compiled", False):
        return None
    loss = model._loss_spec
    if isinstance(loss, dict):
        loss = {k: losses.serialize(losses.get(v)) for k, v in loss.items()}
    elif isinstance(loss, (list, tuple)):
        loss = [losses.serialize(losses.get(v)) for v in loss]
    else:
        loss = losses.serialize(losses.get(loss))
    metrics = model._metric_spec
    try:
        import json
        json.dumps(metrics)
    except TypeError:
        metrics = None  # callables are not saved; recompile to get them back
    return {"optimizer": optimizers.serialize(model.optimizer), "loss": loss, "metrics": metrics,
            "loss_weights": model._loss_weight_spec}


def _optimizer_state(model):
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return {}, None
    index = {id(t): k for k, t in enumerate(model.weights)}
    arrays, slots = {}, []
    for p, values in opt._slots.values():
        if id(p) in index:
            k = index[id(p)]
            slots.append(k)
            for s, v in enumerate(values):
                arrays[f"optimizer/{k:05d}/{s}"] = np.array(v, copy=True)
    state = {"iterations": opt.iterations, "params": slots}
    if hasattr(opt, "m_schedule"):
        state["m_schedule"] = opt.m_schedule
    return arrays, state


def save_model(model, filepath, overwrite=True, include_optimizer=True, extra=None):
    _check_overwrite(filepath, overwrite)
    manifest, arrays = weights_manifest(model)
    docs = dict(extra or {}, **{"config.json": {"model": model_to_config(model)}, "weights.json": {"layers": manifest}})
    training = _training_config(model) if include_optimizer else None
    if training is not None:
        docs["training.json"] = training
        opt_arrays, state = _optimizer_state(model)
        docs["optimizer_state.json"] = state
        arrays.update(opt_arrays)
    write_archive(filepath, "model", docs, arrays)


def _assign(layer, entries, arrays, path):
    """Sets one layer's weights from manifest entries, checking count and shapes (naming layer and shapes)."""
    named = layer._named_weights()
    if len(entries) != len(named):
        raise ValueError(f"'{path}': layer '{layer.name}' ({type(layer).__name__}) has {len(named)} weights in the "
                         f"model but {len(entries)} in the file")
    values = []
    for e, (wname, t) in zip(entries, named):
        if e["key"] not in arrays:
            raise CorruptFileError(f"'{path}' is incomplete: weight '{e['name']}' ({e['key']}) is missing")
        a = arrays[e["key"]]
        if tuple(a.shape) != tuple(e["shape"]):
            raise CorruptFileError(f"'{path}': weight '{e['name']}' has shape {tuple(a.shape)} but the manifest says "
                                   f"{tuple(e['shape'])}")
        if tuple(a.shape) != tuple(t.shape):
            raise ValueError(f"'{path}': cannot load weights into layer '{layer.name}': weight '{wname}' has shape "
                             f"{tuple(t.shape)} in the model but the file's '{e['name']}' has shape {tuple(a.shape)}")
        values.append(a)
    layer.set_weights(values)


def _load_manifest(model, manifest, arrays, path, by_name=False, skip_mismatch=False):
    layers = _layers_with_weights(model)
    if by_name:
        by = {l.name: l for l in model.layers}
        for entry in manifest:
            layer = by.get(entry["name"])
            if layer is None:
                continue
            try:
                _assign(layer, entry["weights"], arrays, path)
            except ValueError:
                if not skip_mismatch:
                    raise
        return
    if len(manifest) != len(layers):
        raise ValueError(f"'{path}' holds weights for {len(manifest)} layers "
                         f"({', '.join(e['name'] for e in manifest)}) but the model has {len(layers)} layers with "
                         f"weights ({', '.join(l.name for l in layers)})")
    for entry, layer in zip(manifest, layers):
        _assign(layer, entry["weights"], arrays, path)


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    path = os.fspath(filepath)
    if file_kind(path) == "hdf5":
        from .keras_h5 import load_keras_h5_weights
        return load_keras_h5_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
    header, docs, arrays = read_archive(path)
    manifest = docs.get("weights.json", {}).get("layers")
    if not isinstance(manifest, list):
        raise CorruptFileError(f"'{path}' is incomplete: weights.json is missing or invalid")
    if not model.built or not getattr(model, "_is_graph_network", True):
        raise ValueError(f"load_weights: the model '{model.name}' is not built yet; build it (give the first layer "
                         "an input_shape or call model.build(shape)) before loading weights")
    _load_manifest(model, manifest, arrays, path, by_name, skip_mismatch)


def load_model(filepath, custom_objects=None, compile=True):
    path = os.fspath(filepath)
    if file_kind(path) == "hdf5":
        raise ValueError(f"'{path}' is an HDF5 (Keras) file. pydl loads only weights from HDF5, never architectures "
                         "(they may contain code): build the model in Python, then call model.load_weights(path)")
    header, docs, arrays = read_archive(path)
    if header.get("kind") != "model" or "config.json" not in docs:
        raise ValueError(f"'{path}' holds only weights (written by save_weights); build the model and call "
                         "model.load_weights instead")
    model = model_from_config(docs["config.json"]["model"], custom_objects)
    _load_manifest(model, docs.get("weights.json", {}).get("layers", []), arrays, path)
    training = docs.get("training.json")
    if compile and training:
        from .. import optimizers
        from ..utils.registry import custom_object_scope
        with custom_object_scope(custom_objects):
            opt = optimizers.deserialize(training["optimizer"], custom_objects)
            model.compile(optimizer=opt, loss=training["loss"], metrics=training.get("metrics"),
                          loss_weights=training.get("loss_weights"))
        state = docs.get("optimizer_state.json") or {}
        weights = model.weights
        opt.iterations = int(state.get("iterations", 0))
        if "m_schedule" in state:
            opt.m_schedule = float(state["m_schedule"])
        for k in state.get("params", []):
            if k < len(weights):
                slots = opt._slots_for(weights[k])
                for s, t in enumerate(slots):
                    key = f"optimizer/{k:05d}/{s}"
                    if key in arrays and tuple(arrays[key].shape) == tuple(t.shape):
                        np.asarray(t)[...] = arrays[key]
    return model


def read_document(filepath, member):
    """One JSON document of a pydl file, or None (missing file, other format, no such member, corrupt)."""
    try:
        if file_kind(filepath) != "pydl":
            return None
        return read_archive(filepath)[1].get(member)
    except (OSError, ValueError):
        return None
