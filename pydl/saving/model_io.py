"""model.save / load_model and save_weights / load_weights on top of the pydl archive (archive.py), plus Keras 2
HDF5 weight files through keras_h5.py."""
import os
import re

import numpy as np

from ..autograd import no_grad
from ..tensor import tensor
from .archive import CorruptFileError, file_kind, read_archive, write_archive
from .keras_h5_write import is_h5_path, read_pydl_h5_config, save_model_h5, save_weights_h5
from .schema import check_config, check_optimizer_state, check_training
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
    if is_h5_path(filepath):  # a .h5 name means Keras's format, never a pydl archive under that name
        return save_weights_h5(model, filepath)
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
    if is_h5_path(filepath):
        return save_model_h5(model, filepath, _training_config(model) if include_optimizer else None)
    manifest, arrays = weights_manifest(model)
    docs = dict(extra or {}, **{"config.json": {"model": model_to_config(model)}, "weights.json": {"layers": manifest}})
    training = _training_config(model) if include_optimizer else None
    if training is not None:
        docs["training.json"] = training
        opt_arrays, state = _optimizer_state(model)
        docs["optimizer_state.json"] = state
        arrays.update(opt_arrays)
    write_archive(filepath, "model", docs, arrays)


def _plan_layer(layer, entries, path):
    """[(model tensor, file array)] for one layer after checking count and shapes (naming layer and shapes); assigns
    nothing. The manifest entries carry their arrays (checked against the container by schema.check_manifest)."""
    named = layer._named_weights()
    if len(entries) != len(named):
        raise ValueError(f"'{path}': layer '{layer.name}' ({type(layer).__name__}) has {len(named)} weights in the "
                         f"model but {len(entries)} in the file")
    plan = []
    for (fname, a), (wname, t) in zip(entries, named):
        if tuple(a.shape) != tuple(t.shape):
            raise ValueError(f"'{path}': cannot load weights into layer '{layer.name}': weight '{wname}' has shape "
                             f"{tuple(t.shape)} in the model but the file's '{fname}' has shape {tuple(a.shape)}")
        plan.append((t, a))
    return plan


def _plan(model, layers_in_file, path, by_name=False, skip_mismatch=False):
    """The whole load as [(tensor, array)], every layer checked before any weight is touched.
    layers_in_file: [(layer name, [(weight name, array)])] in file order."""
    if by_name:
        by, plan = {l.name: l for l in model.layers}, []
        for name, entries in layers_in_file:
            if name in by:
                try:
                    plan += _plan_layer(by[name], entries, path)
                except ValueError:
                    if not skip_mismatch:
                        raise
        return plan
    layers = _layers_with_weights(model)
    if len(layers_in_file) != len(layers):
        raise ValueError(f"'{path}' holds weights for {len(layers_in_file)} layers "
                         f"({', '.join(n for n, _ in layers_in_file)}) but the model has {len(layers)} layers with "
                         f"weights ({', '.join(l.name for l in layers)})")
    return [p for (_, entries), layer in zip(layers_in_file, layers) for p in _plan_layer(layer, entries, path)]


def commit(plan):
    """Converts every array to its weight's dtype and device first (the step that can fail), then copies them in."""
    staged = [(t, tensor(np.ascontiguousarray(a), dtype=t.dtype, device=t.device)) for t, a in plan]
    with no_grad():
        for t, v in staged:
            t[...] = v


def _manifest_layers(manifest, arrays):
    return [(e["name"], [(w["name"], arrays[w["key"]]) for w in e["weights"]]) for e in manifest]


def _weights_doc(path, docs):
    if "weights.json" not in docs:
        raise CorruptFileError(f"'{path}' is incomplete: it has no weights.json")
    return docs["weights.json"]["layers"]


def load_weights(model, filepath, by_name=False, skip_mismatch=False, max_bytes=None):
    """Loads every weight or none: the file is read and checked whole, and every layer's weight count and shapes
    matched, before the first weight is assigned."""
    path = os.fspath(filepath)
    if file_kind(path) == "hdf5":
        from .keras_h5 import load_keras_h5_weights
        return load_keras_h5_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch, max_bytes=max_bytes)
    header, docs, arrays = read_archive(path, max_bytes)
    manifest = _weights_doc(path, docs)
    if not model.built or not getattr(model, "_is_graph_network", True):
        raise ValueError(f"load_weights: the model '{model.name}' is not built yet; build it (give the first layer "
                         "an input_shape or call model.build(shape)) before loading weights")
    commit(_plan(model, _manifest_layers(manifest, arrays), path, by_name, skip_mismatch))


def _needs_objects(e):
    """A registry miss (unknown class or function name): the file may be fine, the caller must supply the object."""
    return isinstance(e, ValueError) and (re.match(r"Unknown [\w ]+ '.*'\. Valid names", str(e)) is not None
                                          or "custom_objects" in str(e))


def _rebuild(path, what, fn):
    """fn() with every failure but a registry miss reported as CorruptFileError naming the file and `what`."""
    try:
        return fn()
    except CorruptFileError:
        raise
    except Exception as e:  # KeyError, TypeError, RecursionError, MemoryError... from a hostile config
        if _needs_objects(e):
            raise
        raise CorruptFileError(f"'{path}': {what} ({type(e).__name__}: {str(e)[:300]})") from None


def load_model(filepath, custom_objects=None, compile=True, max_bytes=None):
    path = os.fspath(filepath)
    if file_kind(path) == "hdf5":
        return _load_h5_model(path, custom_objects, compile, max_bytes)
    header, docs, arrays = read_archive(path, max_bytes)
    if header["kind"] == "word2vec":
        raise ValueError(f"'{path}' holds a word2vec model: load it with pydl.text.Word2Vec.load")
    if header["kind"] != "model":
        raise ValueError(f"'{path}' holds only weights (written by save_weights); build the model and call "
                         "model.load_weights instead")
    if "config.json" not in docs:
        raise CorruptFileError(f"'{path}' is incomplete: it has no config.json")
    spec = check_config(path, docs["config.json"])
    model = _build(path, spec, _manifest_layers(_weights_doc(path, docs), arrays), custom_objects)
    if compile and "training.json" in docs:
        training = check_training(path, docs["training.json"])
        state = check_optimizer_state(path, docs.get("optimizer_state.json", {"iterations": 0, "params": []}),
                                      len(model.weights))
        _rebuild(path, "training.json does not describe a valid compile()",
                 lambda: _compile(model, training, state, arrays, custom_objects))
    return model


def _build(path, spec, layers_in_file, custom_objects, doc="config.json"):
    """The model a checked config describes, with the file's weights in it (all checked before any is assigned)."""
    from ..layers.base import weight_budget
    from ..models.network import Network
    elements = sum(a.size for _, ws in layers_in_file for _, a in ws)
    with weight_budget(elements, f"the file holds {elements} weight elements in all"):
        model = _rebuild(path, f"{doc} does not describe a model pydl can rebuild",
                         lambda: model_from_config(spec, custom_objects))
    if not isinstance(model, Network):
        raise CorruptFileError(f"'{path}': {doc} describes a {type(model).__name__}, not a model")
    commit(_rebuild(path, f"the weights do not fit the model in {doc}", lambda: _plan(model, layers_in_file, path)))
    return model


def _load_h5_model(path, custom_objects, compile, max_bytes):
    """A model from an HDF5 file pydl wrote (model.save('m.h5')); other HDF5 files hold weights for us only."""
    from .keras_h5 import read_keras_h5
    config, training = read_pydl_h5_config(path)
    model = _build(path, check_config(path, {"model": config}), read_keras_h5(path, max_bytes), custom_objects,
                   "model_config")
    if compile and training is not None:
        training = check_training(path, training)
        _rebuild(path, "training_config does not describe a valid compile()",
                 lambda: _compile(model, training, {"iterations": 0, "params": []}, {}, custom_objects))
    return model


def _compile(model, training, state, arrays, custom_objects):
    from .. import optimizers
    from ..utils.registry import custom_object_scope
    with custom_object_scope(custom_objects):
        opt = optimizers.deserialize(training["optimizer"], custom_objects)
        model.compile(optimizer=opt, loss=training["loss"], metrics=training.get("metrics"),
                      loss_weights=training.get("loss_weights"))
    opt.iterations = state["iterations"]
    if "m_schedule" in state:
        opt.m_schedule = float(state["m_schedule"])
    weights = model.weights
    for k in state["params"]:
        slots = opt._slots_for(weights[k])
        for s, t in enumerate(slots):
            key = f"optimizer/{k:05d}/{s}"
            if key in arrays and tuple(arrays[key].shape) == tuple(t.shape):
                np.asarray(t)[...] = arrays[key]


def read_document(filepath, member):
    """One JSON document of a pydl file, or None (missing file, other format, no such member, corrupt)."""
    try:
        if file_kind(filepath) != "pydl":
            return None
        doc = read_archive(filepath)[1].get(member)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None
