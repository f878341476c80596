"""Loss functions with Keras 2's names and semantics: each returns one value per sample (the mean over the last
axis), and training averages them (weighted by sample_weight when given).

Cross-entropies on probabilities clip them to [1e-7, 1 - 1e-7] like Keras. When a model's last layer applies
softmax (or sigmoid), fit() computes the loss from that layer's logits instead (from_logits=True), which is exact
and stable; the softmax version runs as one fused C++ kernel.
"""
import numpy as np

from . import nn_ops, ops
from .tensor import Tensor, from_numpy
from .utils.registry import define as _define, deserialize as _deserialize, register, resolve as _resolve

EPSILON = 1e-7


def _t(y, like=None, integer=False):
    if isinstance(y, Tensor):
        return y
    arr = np.asarray(y)
    if integer:
        arr = arr.astype(np.int64)
    elif like is not None and arr.dtype != np.dtype(str(like.dtype)):
        arr = arr.astype(str(like.dtype))
    t = from_numpy(np.ascontiguousarray(arr))
    return t if like is None or like.device.type == "cpu" else t.to(like.device)


def mean_squared_error(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.clip(ops.abs(y_true), EPSILON, None))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    a = ops.log(ops.clip(y_pred, EPSILON, None) + 1.0)
    b = ops.log(ops.clip(y_true, EPSILON, None) + 1.0)
    return ops.mean(ops.square(a - b), axis=-1)


def hinge(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    return ops.mean(ops.relu(1.0 - y_true * y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    return ops.mean(ops.square(ops.relu(1.0 - y_true * y_pred)), axis=-1)


def logcosh(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log 2, finite for large |x|
    return ops.mean(x + ops.softplus(-2.0 * x) - float(np.log(2.0)), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    t = ops.clip(y_true, EPSILON, 1.0)
    p = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(t * ops.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    y_true = _t(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + EPSILON), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    y_true = _t(y_true, y_pred)
    if from_logits:
        # max(z, 0) - z * y + log(1 + exp(-|z|)): no overflow for any z
        z = y_pred
        return ops.mean(ops.relu(z) - z * y_true + ops.softplus(-ops.abs(z)), axis=-1)
    p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    return ops.mean(-(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    y_true = _t(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"categorical_crossentropy: targets of shape {tuple(y_true.shape)} do not match outputs of "
                         f"shape {tuple(y_pred.shape)}. Integer labels need sparse_categorical_crossentropy or "
                         "pydl.utils.to_categorical")
    if from_logits:
        return nn_ops.softmax_cross_entropy(y_pred, y_true)
    p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    p = ops.clip(p, EPSILON, 1.0 - EPSILON)
    return -ops.sum(y_true * ops.log(p), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    labels = _t(y_true, y_pred, integer=True)
    if not isinstance(y_true, Tensor) or str(labels.dtype) != "int64":
        labels = labels.astype("int64") if isinstance(labels, Tensor) and str(labels.dtype) != "int64" else labels
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(tuple(labels.shape[:-1]))
    logits = y_pred if from_logits else ops.log(ops.clip(y_pred, EPSILON, 1.0 - EPSILON))
    # softmax(log p) = p / sum(p): the fused kernel gives -log of the normalized probability of the label
    return nn_ops.softmax_cross_entropy(logits, labels)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence

_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    hinge, squared_hinge, logcosh, kullback_leibler_divergence, poisson, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy)}
_ALIASES = {"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
            "MAE": mean_absolute_error, "mape": mean_absolute_percentage_error,
            "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
            "MSLE": mean_squared_logarithmic_error, "kld": kullback_leibler_divergence,
            "KLD": kullback_leibler_divergence}


class Loss:
    """Loss object: loss(y_true, y_pred, sample_weight=None) -> mean over the batch; call() -> per sample."""

    def __init__(self, fn, name=None, **kwargs):
        self.fn, self.name, self._kwargs = fn, name or fn.__name__, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        per = self.call(y_true, y_pred)
        if sample_weight is not None:
            per = per * _t(sample_weight, per)
        return ops.mean(per)

    def get_config(self):
        return dict(self._kwargs, name=self.name)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _loss_class(fn, cls_name, **defaults):
    def __init__(self, name=None, **kwargs):
        opts = dict(defaults)
        unknown = set(kwargs) - set(opts) - {"reduction"}
        if unknown:
            raise TypeError(f"{cls_name}: unknown argument(s) {sorted(unknown)}")
        opts.update({k: v for k, v in kwargs.items() if k in defaults})
        Loss.__init__(self, fn, name or fn.__name__, **opts)
    cls = type(cls_name, (Loss,), {"__init__": __init__, "__doc__": f"Loss object for {fn.__name__}."})
    return register("loss")(cls)


MeanSquaredError = _loss_class(mean_squared_error, "MeanSquaredError")
MeanAbsoluteError = _loss_class(mean_absolute_error, "MeanAbsoluteError")
BinaryCrossentropy = _loss_class(binary_crossentropy, "BinaryCrossentropy", from_logits=False)
CategoricalCrossentropy = _loss_class(categorical_crossentropy, "CategoricalCrossentropy", from_logits=False)
SparseCategoricalCrossentropy = _loss_class(sparse_categorical_crossentropy, "SparseCategoricalCrossentropy",
                                            from_logits=False)
Hinge = _loss_class(hinge, "Hinge")


_define("loss", "loss function", {**_ALIASES, **_FUNCTIONS}, instances=Loss, scoped=True,
        dicts=lambda spec: _deserialize("loss", spec), type_error="cannot interpret {!r} as a loss")


def get(identifier):
    """A per-sample loss function (or Loss object) from a name, a function or a Loss."""
    return _resolve("loss", identifier)


def serialize(loss):
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return getattr(loss, "__name__", None)


def canonical(fn):
    """The built-in function behind a loss (or None): used to pick fused paths and 'accuracy'."""
    if isinstance(fn, Loss):
        return fn.fn if not fn._kwargs.get("from_logits") else None
    return fn if fn in _FUNCTIONS.values() else None


deserialize = get

__all__ = list(_FUNCTIONS) + ["mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "Loss",
                              "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
                              "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Hinge", "get",
                              "serialize", "deserialize"]
