"""The Layer base class (Keras contract): __init__ stores and validates config, build(input_shape) creates weights
with add_weight, call(inputs, training=None) computes with pydl ops, compute_output_shape and get_config serve
summary() and saving. Calling a layer on symbolic tensors records a graph node instead of computing."""
import collections
import inspect
import re
import threading

import numpy as np

from .. import constraints, initializers, regularizers
from ..backend import floatx as _floatx
from ..autograd import no_grad
from ..tensor import Device, Tensor, empty, from_numpy, tensor
from .node import KerasTensor, Node, is_symbolic

_name_counts = collections.defaultdict(int)
_activity_sink = []  # stack of lists collecting activity-regularization losses during a model's forward pass
_budget_local = threading.local()  # per thread, a stack of [elements left, reason] (see weight_budget)


def _weight_budgets():
    return _budget_local.__dict__.setdefault("stack", [])


class weight_budget:
    """Within this block add_weight refuses (ValueError naming `reason`) to create more than `elements` weight
    elements in all, before allocating: a model rebuilt from a file needs no more than the file's weights hold."""

    def __init__(self, elements, reason):
        self.entry = [int(elements), reason]

    def __enter__(self):
        _weight_budgets().append(self.entry)
        return self

    def __exit__(self, *exc):
        _weight_budgets().remove(self.entry)
        return False


def reset_names():
    _name_counts.clear()


def to_snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(prefix):
    """prefix_1, prefix_2, ... (Keras 2's automatic names)."""
    _name_counts[prefix] += 1
    return f"{prefix}_{_name_counts[prefix]}"


def to_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class InputSpec:
    """What a layer accepts: an exact rank (ndim), a minimum rank (min_ndim), fixed sizes of some axes."""

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None):
        self.ndim, self.min_ndim, self.max_ndim, self.axes = ndim, min_ndim, max_ndim, dict(axes or {})

    def check(self, layer, shape, index=0):
        rank = len(shape)
        where = f"Input {index} of layer {layer.name} is incompatible with the layer"
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(f"{where}: expected ndim={self.ndim}, found ndim={rank}. Full shape received: "
                             f"{_fmt(shape)}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(f"{where}: expected min_ndim={self.min_ndim}, found ndim={rank}. Full shape received: "
                             f"{_fmt(shape)}")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ValueError(f"{where}: expected max_ndim={self.max_ndim}, found ndim={rank}. Full shape received: "
                             f"{_fmt(shape)}")
        for axis, size in self.axes.items():
            got = shape[axis] if -rank <= axis < rank else None
            if size is not None and got is not None and got != size:
                raise ValueError(f"{where}: expected axis {axis} of input shape to have value {size} but received "
                                 f"input with shape {_fmt(shape)}")


def _fmt(shape):
    return str(tuple(shape))


def _shape_of(x):
    if isinstance(x, (Tensor, KerasTensor, np.ndarray)):
        return tuple(x.shape)
    return tuple(np.shape(x))


class _Weight:
    __slots__ = ("name", "tensor", "trainable", "regularizer", "constraint")

    def __init__(self, name, t, trainable, regularizer, constraint):
        self.name, self.tensor, self.trainable = name, t, trainable
        self.regularizer, self.constraint = regularizer, constraint


class Layer:
    """Base class of all layers. Subclasses override build, call, compute_output_shape and get_config."""

    _call_takes_training = {}
    _call_takes_mask = {}
    _input_dtype = None  # dtype of the Input a Sequential creates in front of this layer (None: the layer's dtype)

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, batch_input_shape=None,
                 input_dim=None, batch_size=None, weights=None, activity_regularizer=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: keyword argument(s) not understood: {', '.join(sorted(kwargs))}")
        object.__setattr__(self, "_sublayers", [])
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"layer name must be a non-empty string, got {self.name!r}")
        self._trainable = bool(trainable)
        self.dtype = str(dtype) if dtype is not None else _floatx()
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"{type(self).__name__}: dtype must be float32 or float64, got {dtype!r}")
        self.built = False
        self._weights = []
        self._device = None  # None: the CPU; else the pydl.Device that to() moved this layer to
        self._inbound_nodes, self._outbound_nodes = [], []
        self.input_spec = None
        self.supports_masking = False
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(to_list(input_shape))
        self._batch_input_shape = tuple(batch_input_shape) if batch_input_shape is not None else None
        self._initial_weights = weights
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ---- sublayer tracking (models, wrappers) ----
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_outer" and "_sublayers" in self.__dict__:
            if all(value is not s for s in self._sublayers):
                self._sublayers.append(value)
        object.__setattr__(self, name, value)

    # ---- device ----
    @property
    def device(self):
        """The pydl.Device holding this layer's weights (the CPU unless moved with to())."""
        return self._device if self._device is not None else Device("cpu")

    def _layer_tree(self):
        """This layer and every layer nested in it (a model's layers, including a Sequential's unbuilt ones)."""
        out, todo = [], [self]
        while todo:
            layer = todo.pop()
            if all(layer is not l for l in out):
                out.append(layer)
                todo += list(layer._sublayers) + list(getattr(layer, "_stack", ()))
        return out

    def to(self, device):
        """Moves this layer's weights, and those of every layer inside it, to `device` ('cpu', 'cuda', 'cuda:N'), in
        place like PyTorch's Module.to; weights created later (at build) are created there. Returns self."""
        dev = device if isinstance(device, Device) else Device(str(device))
        empty(0, device=dev)  # a device this build or machine lacks fails here, before anything moves
        layers = self._layer_tree()
        optimizer = getattr(self, "optimizer", None)
        tensors = [w.tensor for layer in layers for w in layer._weights]
        if optimizer is not None and hasattr(optimizer, "_slot_tensors"):
            tensors += optimizer._slot_tensors()
        moved = []
        try:
            for t in tensors:
                before = t.device
                t._move_to_(dev)
                moved.append((t, before))
        except BaseException:  # e.g. out of memory part way: put back what moved, so no model is left half-moved
            for t, before in moved:
                t._move_to_(before)
            raise
        for layer in layers:
            layer._device = None if dev.type == "cpu" else dev
        return self

    def cuda(self, index=0):
        return self.to(f"cuda:{int(index)}")

    def cpu(self):
        return self.to("cpu")

    def _on_device(self, arr):
        """A NumPy array as a tensor on this layer's device (one host-to-device copy for the CUDA)."""
        t = from_numpy(arr)
        return t if self._device is None else t.to(self._device)

    # ---- weights ----
    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=True,
                   constraint=None):
        """Creates, tracks and returns a weight tensor of `shape` (Keras shapes: Dense kernel (in, out))."""
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape):
            raise ValueError(f"{self.name}: weight '{name}' cannot have a negative dimension, got {shape}")
        if _weight_budgets():
            count = int(np.prod(shape, dtype=object)) if shape else 1
            entry = _weight_budgets()[-1]
            if count > entry[0]:
                raise ValueError(f"{self.name}: weight '{name}' of shape {shape} needs {count} elements but only "
                                 f"{entry[0]} are allowed here ({entry[1]})")
            entry[0] -= count
        init = initializers.get(initializer if initializer is not None else "glorot_uniform")
        value = init(shape, dtype=dtype or self.dtype)
        if not isinstance(value, Tensor):
            value = tensor(np.asarray(value), dtype=dtype or self.dtype)
        value = value.astype(dtype or self.dtype) if str(value.dtype) != (dtype or self.dtype) else value
        if tuple(value.shape) != shape:
            raise ValueError(f"{self.name}: initializer for '{name}' returned shape {tuple(value.shape)}, "
                             f"expected {shape}")
        if self._device is not None:
            value = value.to(self._device)  # a new tensor: an initializer's own tensor is left where it was
        if trainable:
            value.requires_grad = True
        constraint = constraints.get(constraint)
        constraints.attach(value, constraint)  # the optimizer projects the weight after each update
        self._weights.append(_Weight(f"{self.name}/{name}", value, bool(trainable),
                                     regularizers.get(regularizer), constraint))
        return value

    def _own_weights(self, trainable):
        return [w.tensor for w in self._weights if w.trainable == trainable]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = self._own_weights(True)
        for layer in self._sublayers:
            out += layer.trainable_weights
        return _unique(out)

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        out = self._own_weights(False)
        for layer in self._sublayers:
            out += layer.non_trainable_weights
        return _unique(out)

    @property
    def weights(self):
        """All weights in creation order (the order of get_weights and of weight files)."""
        return [w for _, w in self._named_weights()]

    def _named_weights(self):
        out = [(w.name, w.tensor) for w in self._weights]
        for layer in self._sublayers:
            out += layer._named_weights()
        seen, unique = set(), []
        for name, t in out:
            if id(t) not in seen:
                seen.add(id(t))
                unique.append((name, t))
        return unique

    def _weight_records(self):
        out = list(self._weights)
        for layer in self._sublayers:
            out += layer._weight_records()
        return out

    def get_weights(self):
        return [np.array(w, copy=True) for w in self.weights]

    def set_weights(self, weights):
        """Copies arrays into the weights, in the order of get_weights; shapes must match exactly."""
        named = self._named_weights()
        weights = list(weights)
        if len(weights) != len(named):
            raise ValueError(f"Layer {self.name} expects {len(named)} weight arrays "
                             f"({', '.join(n for n, _ in named) or 'none'}), but received {len(weights)}")
        for (name, t), value in zip(named, weights):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(t.shape):
                raise ValueError(f"Layer {self.name}: weight '{name}' has shape {tuple(t.shape)}, but the provided "
                                 f"array has shape {tuple(value.shape)}")
        for (name, t), value in zip(named, weights):
            with no_grad():
                t[...] = tensor(np.ascontiguousarray(value), dtype=t.dtype, device=t.device)

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call count_params on {self.name}, but the layer isn't built. Build it "
                             "first (give the first layer an input_shape, or call the model on data)")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    @property
    def losses(self):
        """Weight-regularization penalties of this layer and its sublayers (Tensors)."""
        out = [w.regularizer(w.tensor) for w in self._weights if w.regularizer is not None]
        for layer in self._sublayers:
            out += layer.losses
        return out

    # ---- the Keras contract ----
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, training=None):
        return inputs

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output(s) (Keras): a layer that supports masking passes its input mask on,
        others end it. Masks are bool tensors (batch, steps); the graph engine hands them to call(mask=)."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """Default: run call on zeros with unknown sizes set to 1, and read the shape."""
        shapes = input_shape if _is_shape_list(input_shape) else [input_shape]
        dummies = [tensor(np.zeros(tuple(1 if s is None else s for s in sh)), dtype=self.dtype, device=self.device)
                   for sh in shapes]
        with no_grad():
            out = self.call(dummies if _is_shape_list(input_shape) else dummies[0], **self._training_kw(False))
        if isinstance(out, (list, tuple)):
            return [_restore_none(tuple(o.shape), shapes[0]) for o in out]
        return _restore_none(tuple(out.shape), shapes[0])

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("activity_regularizer") is not None:
            config["activity_regularizer"] = regularizers.deserialize(config["activity_regularizer"])
        return cls(**config)

    # ---- calling ----
    def _training_kw(self, training):
        cls = type(self)
        takes = Layer._call_takes_training.get(cls)
        if takes is None:
            params = inspect.signature(self.call).parameters
            takes = "training" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
            Layer._call_takes_training[cls] = takes
        return {"training": training} if takes else {}

    def _takes_mask(self):
        cls = type(self)
        takes = Layer._call_takes_mask.get(cls)
        if takes is None:
            takes = "mask" in inspect.signature(self.call).parameters
            Layer._call_takes_mask[cls] = takes
        return takes

    def _check_inputs(self, inputs):
        if self.input_spec is None:
            return
        specs = to_list(self.input_spec)
        for i, x in enumerate(to_list(inputs)):
            if i < len(specs) and specs[i] is not None:
                specs[i].check(self, _shape_of(x), i)

    def _maybe_build(self, inputs):
        if self.built:
            return
        shapes = [_shape_of(x) for x in to_list(inputs)]
        shapes = [(None,) + tuple(s[1:]) if len(s) else s for s in shapes]
        self.build(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _convert(self, x):
        if isinstance(x, Tensor):
            return x
        arr = np.asarray(x)
        if arr.dtype.kind in "fiub" and arr.dtype != np.dtype(self.dtype):
            arr = arr.astype(self.dtype)
        return self._on_device(np.ascontiguousarray(arr))

    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs):
            return self._call_symbolic(inputs, *args, **kwargs)
        if isinstance(inputs, (list, tuple)):
            inputs = [self._convert(x) for x in inputs]
        else:
            inputs = self._convert(inputs)
        if not self.built:
            self._check_inputs(inputs)
            self._maybe_build(inputs)
        self._check_inputs(inputs)
        training = kwargs.pop("training", None)
        if "mask" in kwargs and not self._takes_mask():
            kwargs.pop("mask")  # a layer whose call has no mask= parameter ignores masks
        outputs = self.call(inputs, *args, **self._training_kw(training), **kwargs)
        if self.activity_regularizer is not None and _activity_sink:
            for o in to_list(outputs):
                _activity_sink[-1].append(self.activity_regularizer(o) / float(o.shape[0] if o.ndim else 1))
        return outputs

    def _call_symbolic(self, inputs, *args, **kwargs):
        is_list = isinstance(inputs, (list, tuple))
        flat = to_list(inputs)
        self._check_inputs(inputs)
        if not self.built:
            shapes = [t.shape for t in flat]
            self.build(shapes if is_list else shapes[0])
            self.built = True
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None
        shapes = [t.shape for t in flat]
        out_shape = self.compute_output_shape(shapes if is_list else shapes[0])
        multi = _is_shape_list(out_shape)
        outs = [KerasTensor(s, self.dtype) for s in (out_shape if multi else [out_shape])]
        kwargs.pop("training", None)
        kwargs.pop("mask", None)  # masks are computed when the graph runs, not stored in the node
        if args:
            raise TypeError(f"{self.name}: extra positional arguments are not supported on symbolic inputs")
        Node(self, flat, outs, kwargs, inputs_is_list=is_list)
        return outs if multi else outs[0]

    # ---- graph properties ----
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has no inbound nodes: it has never been called on a "
                                 f"symbolic input, so it has no {what}")
        shapes = [getattr(n, attr) for n in self._inbound_nodes]
        return shapes

    @property
    def input(self):
        ts = self._node_attr("input_tensors", "input")[0]
        return ts[0] if len(ts) == 1 else ts

    @property
    def output(self):
        ts = self._node_attr("output_tensors", "output")[0]
        return ts[0] if len(ts) == 1 else ts

    @property
    def input_shape(self):
        shapes = {tuple(tuple(t.shape) for t in n) for n in self._node_attr("input_tensors", "input shape")}
        if len(shapes) != 1:
            return "multiple"
        s = next(iter(shapes))
        return s[0] if len(s) == 1 else list(s)

    @property
    def output_shape(self):
        shapes = {tuple(tuple(t.shape) for t in n) for n in self._node_attr("output_tensors", "output shape")}
        if len(shapes) != 1:
            return "multiple"
        s = next(iter(shapes))
        return s[0] if len(s) == 1 else list(s)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _unique(tensors):
    seen, out = set(), []
    for t in tensors:
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _is_shape_list(s):
    return isinstance(s, list) and all(isinstance(x, (tuple, list)) for x in s) and len(s) > 0 and not (
        all(isinstance(x, (int, type(None))) for x in s))


def _restore_none(shape, like):
    """A computed shape with the batch axis (unknown in `like`) set back to None."""
    if like and like[0] is None and shape:
        return (None,) + tuple(shape[1:])
    return tuple(shape)
