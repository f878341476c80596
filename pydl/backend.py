"""Keras 2's backend functions (`from keras import backend as K`) on pydl tensors.

User code of the Keras 2 era reaches for `K` to read an optimizer's learning rate, to write custom losses, metrics
and Lambda layers, and to read hidden activations with `K.function`. Here each function is a thin wrapper over
pydl.ops (so it is differentiable wherever the op is); values that are not tensors (NumPy arrays, Python numbers)
are accepted where Keras accepts them. pydl runs eagerly, so there are no placeholders: `function` builds a model
from symbolic inputs to symbolic outputs, and `gradients` differentiates a loss that was computed eagerly.

>>> from pydl import backend as K
>>> K.epsilon(), K.floatx(), K.image_data_format()
(1e-07, 'float32', 'channels_last')
>>> K.eval(K.sum(K.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0)).tolist()
[4.0, 6.0]
"""
import numpy as np

from . import ops
from .tensor import Tensor, from_numpy, normal, uniform, zeros_like as zeros_like_tensor

_config = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_learning_phase = [0]


# ---- configuration ----
def epsilon():
    """The fuzz factor Keras adds to avoid division by zero (1e-7)."""
    return _config["epsilon"]


def set_epsilon(value):
    _config["epsilon"] = float(value)


def floatx():
    """The default float type of new layers' weights: 'float32' (or what set_floatx chose)."""
    return _config["floatx"]


def set_floatx(value):
    """Sets the default float type of layers built from now on: 'float32' or 'float64' (pydl has no float16)."""
    if value not in ("float32", "float64"):
        raise ValueError(f"set_floatx: pydl supports 'float32' and 'float64', got {value!r}")
    _config["floatx"] = value


def image_data_format():
    """Always 'channels_last' (NHWC): pydl's layers use Keras's default layout."""
    return _config["image_data_format"]


def set_image_data_format(data_format):
    if data_format != "channels_last":
        raise ValueError(f"set_image_data_format: pydl's layers are channels_last only, got {data_format!r}")


def backend():
    return "pydl"


def clear_session():
    """Resets the automatic layer names (dense, dense_1, ...) as Keras does; pydl holds no other global graph."""
    from .utils.seeding import clear_session as _clear
    _clear()


def learning_phase():
    """0 (test) or 1 (train); used as an input of `function` to pick Dropout/BatchNorm behaviour."""
    return _learning_phase[0]


def set_learning_phase(value):
    if value not in (0, 1):
        raise ValueError(f"set_learning_phase: expected 0 or 1, got {value!r}")
    _learning_phase[0] = value


# ---- variables and values ----
def _tensor(x, dtype=None):
    if isinstance(x, Tensor):
        return x if dtype is None or str(x.dtype) == dtype else x.astype(dtype)
    arr = np.asarray(x)
    arr = arr.astype(dtype or (str(arr.dtype) if arr.dtype.kind in "iub" else floatx()), copy=False)
    return from_numpy(np.ascontiguousarray(arr))


def variable(value, dtype=None, name=None):
    """A trainable tensor (requires_grad) holding a copy of value."""
    arr = np.array(value, dtype=dtype or floatx(), copy=True)
    t = from_numpy(np.ascontiguousarray(arr))
    t.requires_grad = True
    return t


def constant(value, dtype=None, shape=None, name=None):
    arr = np.asarray(value, dtype=dtype or floatx())
    if shape is not None:
        arr = np.broadcast_to(arr, tuple(shape))
    return from_numpy(np.array(arr, copy=True))


def is_tensor(x):
    return isinstance(x, Tensor)


def get_value(x):
    """A NumPy copy of a tensor's value; numbers and arrays (e.g. `optimizer.lr`) are returned as NumPy values."""
    if isinstance(x, Tensor):
        return np.array(x.detach().cpu().numpy(), copy=True)
    if isinstance(x, (int, float, np.generic, np.ndarray, list, tuple)):
        return np.asarray(x)
    raise TypeError(f"get_value: expected a tensor, array or number, got {type(x).__name__}")


eval = get_value


def batch_get_value(xs):
    return [get_value(x) for x in xs]


def set_value(x, value):
    """Writes value into tensor x in place (same shape). Optimizer hyperparameters are plain numbers in pydl: set
    them as attributes (`optimizer.lr = 0.01`)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"set_value: expected a pydl tensor to write into, got {type(x).__name__}; an optimizer's "
                        "learning rate is a plain attribute in pydl: write `optimizer.lr = value`")
    arr = np.asarray(value, dtype=str(x.dtype))
    if arr.shape != tuple(x.shape):
        raise ValueError(f"set_value: value of shape {arr.shape} does not match the tensor's shape {tuple(x.shape)}")
    from .autograd import no_grad
    with no_grad():
        x[...] = from_numpy(np.ascontiguousarray(arr)).to(x.device)


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def int_shape(x):
    """The shape as a tuple (None for unknown dimensions of symbolic tensors)."""
    return tuple(x.shape)


def shape(x):
    return tuple(x.shape)


def ndim(x):
    return len(x.shape)


def dtype(x):
    return str(x.dtype)


def count_params(x):
    return int(np.prod(x.shape))


def cast(x, dtype):
    return _tensor(x).astype(dtype)


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape), dtype=dtype)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype=dtype)


def zeros_like(x, dtype=None, name=None):
    return variable(np.zeros(tuple(x.shape)), dtype=dtype or str(x.dtype))


def ones_like(x, dtype=None, name=None):
    return variable(np.ones(tuple(x.shape)), dtype=dtype or str(x.dtype))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws from pydl's generator; with seed=, from a generator of their own seeded by it (the draw repeats,
    and pydl's global generator is left alone, as Keras's per-op seed does)."""
    if seed is None:
        return normal(tuple(shape), mean=mean, std=stddev, dtype=dtype or floatx())
    return from_numpy(np.random.default_rng(seed).normal(mean, stddev, tuple(shape)).astype(dtype or floatx()))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform draws in [minval, maxval); seed= as random_normal."""
    if seed is None:
        return uniform(tuple(shape), low=minval, high=maxval, dtype=dtype or floatx())
    return from_numpy(np.random.default_rng(seed).uniform(minval, maxval, tuple(shape)).astype(dtype or floatx()))


# ---- math (each differentiable where the pydl op is) ----
def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def sum(x, axis=None, keepdims=False):
    return ops.sum(_tensor(x), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return ops.mean(_tensor(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return ops.max(_tensor(x), axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return ops.min(_tensor(x), axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return ops.var(_tensor(x), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ops.std(_tensor(x), axis=_axis(axis), keepdims=keepdims)


def square(x):
    return ops.square(_tensor(x))


def sqrt(x):
    """Like Keras, negative inputs are clipped to 0 first (no NaN)."""
    return ops.sqrt(ops.relu(_tensor(x)))


def abs(x):
    return ops.abs(_tensor(x))


def exp(x):
    return ops.exp(_tensor(x))


def log(x):
    return ops.log(_tensor(x))


def pow(x, a):
    return ops.pow(_tensor(x), a)


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return ops.clip(_tensor(x), min_value, max_value)


def maximum(x, y):
    return ops.maximum(_tensor(x), _tensor(y))


def minimum(x, y):
    return ops.minimum(_tensor(x), _tensor(y))


def dot(x, y):
    """Matrix product; for N-D x, contracts x's last axis with y's second-to-last (Keras's rule)."""
    x, y = _tensor(x), _tensor(y)
    if len(y.shape) <= 2 or len(x.shape) <= 1:
        return ops.matmul(x, y)
    # x (..., k) . y (..., k, n): Keras/Theano semantics, as a 2-D matmul over y moved to (k, rest)
    y_axes = list(range(len(y.shape)))
    k_axis = y_axes.pop(-2)
    y2 = ops.transpose(y, [k_axis] + y_axes).reshape((y.shape[-2], -1))
    out = ops.matmul(x.reshape((-1, x.shape[-1])), y2)
    return out.reshape(tuple(x.shape[:-1]) + tuple(y.shape[:-2]) + (y.shape[-1],))


def batch_dot(x, y, axes=None):
    """Per-sample dot product of two batches: (b, n, k)·(b, k, m) → (b, n, m); (b, k)·(b, k) → (b, 1)."""
    x, y = _tensor(x), _tensor(y)
    if axes is None:
        axes = (len(x.shape) - 1, len(y.shape) - 2 if len(y.shape) > 2 else 1)
    axes = (axes, axes) if isinstance(axes, int) else tuple(axes)
    if len(x.shape) == 2 and len(y.shape) == 2:
        return ops.sum(x * y, axis=1, keepdims=True)
    xa, ya = axes[0] % len(x.shape), axes[1] % len(y.shape)
    if xa != len(x.shape) - 1:
        x = ops.transpose(x, [i for i in range(len(x.shape)) if i != xa] + [xa])
    if ya != 1:
        y = ops.transpose(y, [0, ya] + [i for i in range(1, len(y.shape)) if i != ya])
    return ops.matmul(x, y)


def transpose(x):
    return ops.transpose(_tensor(x))


def permute_dimensions(x, pattern):
    return ops.transpose(_tensor(x), tuple(pattern))


def reshape(x, shape):
    return ops.reshape(_tensor(x), tuple(shape))


def flatten(x):
    return ops.reshape(_tensor(x), (-1,))


def batch_flatten(x):
    x = _tensor(x)
    return ops.reshape(x, (x.shape[0], -1))


def expand_dims(x, axis=-1):
    return ops.expand_dims(_tensor(x), axis)


def squeeze(x, axis):
    return ops.squeeze(_tensor(x), axis)


def concatenate(tensors, axis=-1):
    return ops.concatenate([_tensor(t) for t in tensors], axis)


def stack(x, axis=0):
    return ops.stack([_tensor(t) for t in x], axis)


def one_hot(indices, num_classes):
    """(..., ) integer classes → (..., num_classes) float one-hot rows (not differentiable, like Keras)."""
    idx = np.asarray(get_value(indices) if isinstance(indices, Tensor) else indices).astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise IndexError(f"one_hot: class ids must lie in [0, {num_classes}), got values from {idx.min()} to "
                         f"{idx.max()}")
    return from_numpy(np.eye(num_classes, dtype=floatx())[idx])


def argmax(x, axis=-1):
    return ops.argmax(_tensor(x), axis=axis)


def argmin(x, axis=-1):
    return ops.argmin(_tensor(x), axis=axis)


def equal(x, y):
    return ops.eq(_tensor(x), _tensor(y))


def not_equal(x, y):
    return ops.ne(_tensor(x), _tensor(y))


def greater(x, y):
    return ops.gt(_tensor(x), _tensor(y))


def less(x, y):
    return ops.lt(_tensor(x), _tensor(y))


# ---- activations and losses ----
def sigmoid(x):
    return ops.sigmoid(_tensor(x))


def tanh(x):
    return ops.tanh(_tensor(x))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    from . import activations
    return activations.relu(_tensor(x), alpha=alpha, max_value=max_value, threshold=threshold)


def softmax(x, axis=-1):
    return ops.softmax(_tensor(x), axis=axis)


def softplus(x):
    return ops.softplus(_tensor(x))


def elu(x, alpha=1.0):
    return ops.elu(_tensor(x), alpha)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no mean over the last axis, as in Keras's backend)."""
    output = _tensor(output)
    target = _tensor(target, str(output.dtype))
    if from_logits:
        return ops.relu(output) - output * target + ops.softplus(-ops.abs(output))
    p = ops.clip(output, epsilon(), 1.0 - epsilon())
    return -(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    from . import losses
    output = _tensor(output)
    target = _tensor(target, str(output.dtype))
    if axis not in (-1, len(output.shape) - 1):
        raise ValueError(f"categorical_crossentropy: only the last axis is supported, got axis={axis}")
    return losses.categorical_crossentropy(target, output, from_logits=from_logits)


def sparse_categorical_crossentropy(target, output, from_logits=False):
    from . import losses
    return losses.sparse_categorical_crossentropy(target, _tensor(output), from_logits=from_logits)


# ---- graph helpers: function and gradients ----
class Function:
    """f(input_values) → [output values as NumPy], from symbolic model inputs to any layers' symbolic outputs."""

    def __init__(self, inputs, outputs):
        from .layers.node import KerasTensor
        from .models.model import Model
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._phase_slots = [i for i, x in enumerate(inputs) if not isinstance(x, KerasTensor)]
        symbolic = [x for x in inputs if isinstance(x, KerasTensor)]
        self._single = not isinstance(outputs, (list, tuple))
        self._model = Model(inputs=symbolic, outputs=list(outputs) if not self._single else [outputs])

    def __call__(self, values):
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        training = bool(values[self._phase_slots[0]]) if self._phase_slots else bool(learning_phase())
        data = [from_numpy(np.ascontiguousarray(np.asarray(v, dtype=floatx())))
                for i, v in enumerate(values) if i not in self._phase_slots]
        from .autograd import no_grad
        with no_grad():
            outs = self._model(data if len(data) > 1 else data[0], training=training)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        return [get_value(o) for o in outs]


def function(inputs, outputs, updates=None, **kwargs):
    """Keras 2's K.function: `K.function([model.input, K.learning_phase()], [layer.output])([x, 0])`."""
    if updates:
        raise ValueError("function: updates= is not supported (pydl runs eagerly: apply updates in Python)")
    return Function(inputs, outputs)


def gradients(loss, variables):
    """d loss / d variable for each variable: leaf tensors that require grad (weights, K.variable), for a loss
    computed eagerly from them. The variables' own .grad is left as it was. Like loss.backward(), this also adds into
    .grad of any OTHER leaf the loss depends on and that requires grad: list every such tensor among `variables`
    (e.g. all of model.trainable_weights) so that none is changed. Gradients with respect to intermediate results
    (activations) are not available: pydl keeps no gradient for non-leaf tensors."""
    if not isinstance(loss, Tensor):
        raise TypeError(f"gradients: loss must be a pydl tensor computed from the variables, got "
                        f"{type(loss).__name__} (pydl runs eagerly: compute the loss first)")
    variables = list(variables)
    for i, v in enumerate(variables):
        if not isinstance(v, Tensor) or not v.requires_grad or not v.is_leaf:
            what = type(v).__name__ if not isinstance(v, Tensor) else (
                "a tensor that does not require grad" if not v.requires_grad else "an intermediate (non-leaf) tensor")
            raise ValueError(f"gradients: variables[{i}] is {what}; only leaf tensors that require grad (weights, "
                             "K.variable) have gradients in pydl")
    saved = [v.grad for v in variables]
    for v in variables:
        v.grad = None
    try:
        loss.sum().backward() if tuple(loss.shape) else loss.backward()
        grads = [v.grad if v.grad is not None else zeros_like_tensor(v) for v in variables]
    finally:
        for v, g in zip(variables, saved):
            v.grad = g
    return grads


def stop_gradient(x):
    return _tensor(x).detach()


__all__ = [name for name in dir() if not name.startswith("_") and name not in (
    "np", "ops", "Tensor", "from_numpy", "normal", "uniform", "zeros_like_tensor")]
