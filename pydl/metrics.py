"""Metrics with Keras 2's names: each returns one value per sample; fit() reports their mean over the epoch.
'accuracy' / 'acc' resolve as in Keras: binary for a one-unit output or binary cross-entropy, sparse for
sparse_categorical_crossentropy, categorical otherwise."""
import numpy as np

from . import losses as _losses, ops
from .utils.registry import define as _define, resolve as _resolve


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true = _losses._t(y_true, y_pred)
    hit = ops.eq(y_true, ops.gt(y_pred, threshold).astype(y_pred.dtype))
    return ops.mean(hit.astype(y_pred.dtype), axis=-1)


def categorical_accuracy(y_true, y_pred):
    y_true = _losses._t(y_true, y_pred)
    return ops.eq(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)).astype(y_pred.dtype)


def sparse_categorical_accuracy(y_true, y_pred):
    labels = _losses._t(y_true, y_pred, integer=True)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(tuple(labels.shape[:-1]))
    return ops.eq(labels.astype("int64"), ops.argmax(y_pred, axis=-1)).astype(y_pred.dtype)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    t = np.argmax(np.asarray(y_true), axis=-1)
    return _top_k(t, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    t = np.asarray(y_true).reshape(-1).astype(np.int64)
    return _top_k(t, y_pred, k)


def _top_k(labels, y_pred, k):
    p = np.asarray(y_pred)
    top = np.argpartition(-p, min(k, p.shape[-1]) - 1, axis=-1)[..., :k]
    from .tensor import tensor
    return tensor((top == labels[..., None]).any(-1).astype(p.dtype))


mean_squared_error = mse = _losses.mean_squared_error
mean_absolute_error = mae = _losses.mean_absolute_error
mean_absolute_percentage_error = mape = _losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = _losses.mean_squared_logarithmic_error
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
kullback_leibler_divergence = _losses.kullback_leibler_divergence

# Metrics whose value only depends on the arg-max of the prediction: computable from logits directly.
ARGMAX_ONLY = {categorical_accuracy, sparse_categorical_accuracy}

_ALL = {f.__name__: f for f in (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                                top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
                                mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                                mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
                                sparse_categorical_crossentropy, kullback_leibler_divergence)}
_SHORT = {"mse": mean_squared_error, "mae": mean_absolute_error, "mape": mean_absolute_percentage_error,
          "msle": mean_squared_logarithmic_error, "MSE": mean_squared_error, "MAE": mean_absolute_error,
          "MAPE": mean_absolute_percentage_error, "MSLE": mean_squared_logarithmic_error}


_define("metric", "metric function", {**_SHORT, **_ALL}, scoped=True,
        valid="accuracy, acc, " + ", ".join(sorted(set(_ALL) | set(_SHORT))))


def get(identifier):
    """A metric function from a name ('mae', 'categorical_accuracy', ...) or a callable."""
    return _resolve("metric", identifier)


def resolve(identifier, loss_fn, output_shape):
    """(name, function) for a compile() metric, resolving 'accuracy'/'acc' as Keras does."""
    if identifier in ("accuracy", "acc"):
        base = _losses.canonical(loss_fn)
        if (output_shape and output_shape[-1] == 1) or base is _losses.binary_crossentropy:
            fn = binary_accuracy
        elif base is _losses.sparse_categorical_crossentropy:
            fn = sparse_categorical_accuracy
        else:
            fn = categorical_accuracy
        return identifier, fn
    if identifier in ("crossentropy", "ce"):
        return identifier, _losses.canonical(loss_fn) or categorical_crossentropy
    fn = get(identifier)
    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", type(fn).__name__)
    return name, fn


__all__ = list(_ALL) + ["mse", "mae", "mape", "msle", "get"]
