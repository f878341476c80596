"""Activation functions, by name or callable, as in Keras: `Dense(64, activation='relu')`.

>>> pydl.activations.get('relu')(pydl.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
from . import ops
from .utils.registry import define as _define, resolve as _resolve


def linear(x):
    return x


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0); with alpha a leaky slope below zero, max_value a cap (relu6: max_value=6)."""
    if threshold != 0.0:
        y = ops.where(ops.ge(x, threshold), x, alpha * (x - threshold) if alpha else 0.0)
    elif alpha:
        y = ops.leaky_relu(x, alpha)
    else:
        y = ops.relu(x)
    return ops.clip(y, None, max_value) if max_value is not None else y


def softmax(x, axis=-1):
    return ops.softmax(x, axis)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha)


def selu(x):
    return 1.0507009873554805 * ops.elu(x, 1.6732632423543772)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return x / (ops.abs(x) + 1.0)


def hard_sigmoid(x):
    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def exponential(x):
    return ops.exp(x)


def leaky_relu(x, alpha=0.3):
    """x for x > 0, alpha * x otherwise. The default 0.3 is the LeakyReLU layer's (Keras 2 and 3), so
    activation="leaky_relu" and LeakyReLU() compute the same; `pydl.ops.leaky_relu` defaults to 0.2 like
    `tf.nn.leaky_relu` and `keras.ops.leaky_relu` (Keras 3's `activations.leaky_relu` also uses 0.2; Keras 2 had
    no such activation). Changing either default would silently change saved models."""
    return ops.leaky_relu(x, alpha)


_ALL = {f.__name__: f for f in (linear, sigmoid, tanh, relu, softmax, elu, selu, softplus, softsign, hard_sigmoid,
                                 exponential, leaky_relu)}
# Activation rows of the core's op table that need no Keras-specific wrapper above (gelu, silu and its alias swish)
_ALL.update({n: getattr(ops, op["name"]) for op in ops.elementwise_ops() if op["activation"]
             for n in (op["name"], op["alias"]) if n and n not in _ALL})
globals().update({n: f for n, f in _ALL.items() if n not in globals()})


_define("activation", "activation function", _ALL, accepts_none=True, none=linear, scoped=True,
        hint=" (for your own function, pass custom_objects={{'{name}': fn}} when loading)",
        type_error="activation must be a name or a callable, got {!r}")


def get(identifier):
    """A callable from a name, a callable, or None (linear)."""
    return _resolve("activation", identifier)


def serialize(fn):
    """The name under which `fn` is saved (built-ins, or a custom function's __name__ for custom_objects)."""
    name = getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"cannot serialize activation {fn!r}: it has no name")
    return name


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)


__all__ = list(_ALL) + ["get", "serialize", "deserialize"]
