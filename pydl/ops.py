"""Tensor operations. Each is one call into pydl's C++ core (pydl._C), which computes the result and records
the gradient when an input requires grad.

>>> x = pydl.tensor([[1.0, -2.0]])
>>> pydl.ops.relu(x).tolist()
[[1.0, 0.0]]
"""
import numpy as np

from . import _C, _args
from .tensor import Tensor, tensor

# Elementwise ops (NumPy broadcasting), one per row of the core's op table (csrc/core/elementwise_ops.def), under
# their name and alias (subtract, negative, swish, ...).
elementwise_ops = _C.elementwise_ops  # the table's rows as dicts (pydl.activations and the tests read it)
for _op in elementwise_ops():
    globals()[_op["name"]] = getattr(_C, _op["name"])
    if _op["alias"]:
        globals()[_op["alias"]] = getattr(_C, _op["name"])
del _op
where = _C.where
# Reductions, softmax, linear algebra: straight from the core.
sum = _C.sum
mean = _C.mean
max = _C.max
min = _C.min
argmax = _C.argmax
argmin = _C.argmin
var = _C.var
std = _C.std
softmax = _C.softmax
log_softmax = _C.log_softmax
matmul = _C.matmul
concatenate = _C.concatenate
stack = _C.stack
gather = _C.gather


def gemm_(c, a, b, alpha=1.0, beta=0.0, trans_a=False, trans_b=False):
    """BLAS-style in-place GEMM: c = alpha * op(a) @ op(b) + beta * c, with op() an optional transpose.

    beta=0 never reads c (NaN there does not leak); beta=1 accumulates. Not differentiable.

    >>> c = pydl.zeros(2, 2); pydl.ops.gemm_(c, pydl.eye(2), pydl.ones(2, 2), alpha=2.0); c.tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """
    _C.gemm_(c, a, b, _args.number(alpha, "alpha", "gemm_"), _args.number(beta, "beta", "gemm_"), bool(trans_a),
             bool(trans_b))
    return c


def reshape(x, shape):
    """Same data in a new shape (a view when possible)."""
    return _tensor(x, "reshape").reshape(shape)


def transpose(x, axes=None):
    """Permutes axes like numpy.transpose (reverses them by default)."""
    x = _tensor(x, "transpose")
    if axes is None:
        return x.transpose()
    if not isinstance(axes, (tuple, list)):
        raise TypeError(f"transpose: axes must be a tuple of ints or None, got {type(axes).__name__} {axes!r}")
    return x.permute(*axes)


def _tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: x must be a Tensor, got {type(x).__name__} {x!r}")
    return x


def split(x, indices_or_sections, axis=0):
    """numpy.split: `sections` equal parts, or cut before each given index. Returns a list of views."""
    x = _tensor(x, "split")
    axis = _args.axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if _args.is_int(indices_or_sections):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(f"split: axis of size {n} cannot be divided into {sections} equal sections")
        bounds = [n // sections * i for i in range(1, sections)]
    elif isinstance(indices_or_sections, (list, tuple, np.ndarray, Tensor)):
        arr = _args.array(indices_or_sections, "indices_or_sections", "split")
        bounds = [_args.integer(i, "indices_or_sections entry", "split") for i in arr.reshape(-1).tolist()]
    else:
        raise TypeError(f"split: indices_or_sections must be an int or a sequence of ints, got "
                        f"{type(indices_or_sections).__name__} {indices_or_sections!r}")
    return _C._split(x, bounds, axis)


def pad(x, pad_width, value=0.0):
    """Constant padding with NumPy's pad_width forms: int, (before, after), or one pair per axis."""
    x = _tensor(x, "pad")
    form = "pad: pad_width must be an int, a (before, after) pair or one pair per axis"
    try:
        pw = np.asarray(pad_width)
    except ValueError:
        raise ValueError(f"{form}, got {pad_width!r}") from None
    if pw.dtype.kind not in "iu" and not (pw.size == 0 and pw.dtype.kind == "f"):
        raise TypeError(f"{form} of ints, got {type(pad_width).__name__} {pad_width!r}")
    if pw.size and (pw.min() < 0 or pw.max() > 2**62):
        raise ValueError(f"pad: pad_width must be non-negative (and below 2**62), got {pad_width!r}")
    pw = pw.astype(np.int64)
    if pw.ndim == 0:
        pairs = [(int(pw), int(pw))] * x.ndim
    elif pw.shape == (2,):
        pairs = [(int(pw[0]), int(pw[1]))] * x.ndim
    elif pw.shape == (1, 2):
        pairs = [(int(pw[0, 0]), int(pw[0, 1]))] * x.ndim
    elif pw.ndim == 2 and pw.shape[1] == 2 and pw.shape[0] == x.ndim:
        pairs = [(int(a), int(b)) for a, b in pw]
    else:
        raise ValueError(f"{form} (tensor of rank {x.ndim}), got {pad_width!r}")
    return _C._pad(x, pairs, _args.number(value, "value", "pad"))


def take(x, indices, axis=None):
    """numpy.take: elements (axis=None, over the flattened tensor) or slices along `axis` at integer indices."""
    x = _tensor(x, "take")
    if isinstance(indices, Tensor):
        idx = indices
    else:
        arr = _args.array(indices, "indices", "take")
        if arr.dtype.kind not in "iu" and arr.size:
            raise IndexError(f"take: indices must be integers, got {type(indices).__name__} {indices!r}")
        idx = tensor(arr.astype(np.int64))
    if axis is None:
        return _C._index_select(x.reshape(-1), 0, idx)
    return _C._index_select(x, _args.integer(axis, "axis", "take"), idx)


def broadcast_to(x, shape):
    return _tensor(x, "broadcast_to").broadcast_to(shape)


def expand_dims(x, axis):
    return _tensor(x, "expand_dims").unsqueeze(_args.integer(axis, "axis", "expand_dims"))


def squeeze(x, axis=None):
    return _tensor(x, "squeeze").squeeze(axis)


def flatten(x):
    return _tensor(x, "flatten").flatten()



# ---- convolution and pooling (channels-last like Keras: (batch, height, width, channels), kernels (kh, kw, in, out))
def _pair(value, name, op):
    """An int or a pair of ints -> (int, int)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return (int(pair[0]), int(pair[1]))


def _single(value, name, op):
    """An int or a 1-tuple of an int (Keras accepts both for 1-D ops) -> int."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise ValueError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _padding(padding, op):
    if not isinstance(padding, str):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def conv2d(x, w, b=None, strides=1, padding="valid", dilation=1, activation=None):
    """2-D convolution like Keras Conv2D: x (batch, h, w, in), w (kh, kw, in, filters), b (filters,) or None.

    padding 'valid' or 'same' (TensorFlow's: odd totals put the extra row/column at the end); activation None,
    'relu' (fused into the kernel), 'sigmoid', 'tanh', ...

    >>> x = pydl.ones((1, 4, 4, 1))
    >>> pydl.conv2d(x, pydl.ones((3, 3, 1, 2)), padding="same").shape
    (1, 4, 4, 2)
    >>> pydl.conv2d(x, pydl.ones((3, 3, 1, 1)))[0, :, :, 0].tolist()
    [[9.0, 9.0], [9.0, 9.0]]
    """
    return _C._conv2d(x, w, b, _pair(strides, "strides", "conv2d"), _padding(padding, "conv2d"),
                      _pair(dilation, "dilation", "conv2d"), activation or "")


def conv1d(x, w, b=None, strides=1, padding="valid", dilation=1, activation=None):
    """1-D convolution like Keras Conv1D: x (batch, steps, in), w (k, in, filters); padding 'valid', 'same' or
    'causal'.

    >>> pydl.conv1d(pydl.ones((2, 10, 3)), pydl.ones((3, 3, 8)), strides=2).shape
    (2, 4, 8)
    """
    return _C._conv1d(x, w, b, _single(strides, "strides", "conv1d"), _padding(padding, "conv1d"),
                      _single(dilation, "dilation", "conv1d"), activation or "")


def conv2d_transpose(x, w, b=None, strides=1, padding="valid", output_padding=None, dilation=1):
    """Transposed 2-D convolution like Keras Conv2DTranspose: x (batch, h, w, in), w (kh, kw, filters, in).

    The output size follows Keras: 'same' gives h * stride, 'valid' h * stride + max(k - stride, 0), and an
    output_padding p gives (h - 1) * stride + k - 2 * pad + p (pad = k // 2 for 'same', 0 for 'valid').

    >>> pydl.conv2d_transpose(pydl.ones((1, 7, 7, 4)), pydl.ones((5, 5, 2, 4)), strides=2, padding="same").shape
    (1, 14, 14, 2)
    """
    op = "conv2d_transpose"
    out_pad = (-1, -1) if output_padding is None else _pair(output_padding, "output_padding", op)
    return _C._conv2d_transpose(x, w, b, _pair(strides, "strides", op), _padding(padding, op), out_pad,
                                _pair(dilation, "dilation", op))


def _pool2d(x, kind, pool_size, strides, padding, op):
    pool = _pair(pool_size, "pool_size", op)
    return _C._pool2d(x, kind, pool, pool if strides is None else _pair(strides, "strides", op), _padding(padding, op))


def _pool1d(x, kind, pool_size, strides, padding, op):
    pool = _single(pool_size, "pool_size", op)
    return _C._pool1d(x, kind, pool, pool if strides is None else _single(strides, "strides", op),
                      _padding(padding, op))


def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Max over each pool_size window of x (batch, h, w, channels) like Keras MaxPooling2D (strides default to
    pool_size; 'same' windows ignore the padding).

    >>> x = pydl.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    >>> pydl.max_pool2d(x)[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    return _pool2d(x, _C.PoolKind.Max, pool_size, strides, padding, "max_pool2d")


def avg_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Mean over each window like Keras AveragePooling2D; with 'same', edge windows divide by the number of input
    elements they cover (TensorFlow).

    >>> x = pydl.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    >>> pydl.avg_pool2d(x)[0, :, :, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    return _pool2d(x, _C.PoolKind.Avg, pool_size, strides, padding, "avg_pool2d")


def max_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Max over windows of x (batch, steps, channels) like Keras MaxPooling1D.

    >>> pydl.max_pool1d(pydl.tensor([[[1.0], [3.0], [2.0], [0.0]]])).tolist()
    [[[3.0], [2.0]]]
    """
    return _pool1d(x, _C.PoolKind.Max, pool_size, strides, padding, "max_pool1d")


def avg_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Mean over windows of x (batch, steps, channels) like Keras AveragePooling1D.

    >>> pydl.avg_pool1d(pydl.tensor([[[1.0], [3.0], [2.0], [0.0]]])).tolist()
    [[[2.0], [1.0]]]
    """
    return _pool1d(x, _C.PoolKind.Avg, pool_size, strides, padding, "avg_pool1d")


def global_max_pool1d(x, keepdims=False):
    """Max over the steps of x (batch, steps, channels) -> (batch, channels), like Keras GlobalMaxPooling1D."""
    return _C._global_pool(x, _C.PoolKind.Max, 1, keepdims)


def global_avg_pool1d(x, keepdims=False):
    """Mean over the steps of x (batch, steps, channels) -> (batch, channels)."""
    return _C._global_pool(x, _C.PoolKind.Avg, 1, keepdims)


def global_max_pool2d(x, keepdims=False):
    """Max over height and width of x (batch, h, w, channels) -> (batch, channels).

    >>> pydl.global_max_pool2d(pydl.tensor(np.arange(8.0).reshape(1, 2, 2, 2))).tolist()
    [[6.0, 7.0]]
    """
    return _C._global_pool(x, _C.PoolKind.Max, 2, keepdims)


def global_avg_pool2d(x, keepdims=False):
    """Mean over height and width of x (batch, h, w, channels) -> (batch, channels)."""
    return _C._global_pool(x, _C.PoolKind.Avg, 2, keepdims)


def upsample2d(x, size=2):
    """Nearest-neighbour upsampling by integer factors like Keras UpSampling2D.

    >>> pydl.upsample2d(pydl.tensor([[[[1.0], [2.0]]]]))[0, :, :, 0].tolist()
    [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]
    """
    return _C._upsample2d(x, _pair(size, "size", "upsample2d"))


def zero_pad2d(x, padding=1):
    """Zeros around height and width like Keras ZeroPadding2D: padding is an int, (rows, cols) or
    ((top, bottom), (left, right)).

    >>> pydl.zero_pad2d(pydl.ones((1, 1, 1, 1)), ((1, 0), (0, 2)))[0, :, :, 0].tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    op = "zero_pad2d"
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        rows = cols = (int(padding), int(padding))
    else:
        try:
            parts = tuple(padding)
        except TypeError:
            parts = ()
        if len(parts) != 2:
            raise ValueError(f"{op}: padding must be an int, (rows, cols) or ((top, bottom), (left, right)), "
                             f"got {padding!r}")
        try:
            rows, cols = (_pair(p, "padding", op) for p in parts)
        except ValueError:
            raise ValueError(f"{op}: padding must be an int, (rows, cols) or ((top, bottom), (left, right)), "
                             f"got {padding!r}") from None
    return _C._zero_pad2d(x, rows, cols)

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("np", "Tensor", "tensor", "elementwise_ops")]
from .nlp_ops import embedding; __all__.append("embedding")  # noqa: E402,E702 (pydl/nlp_ops.py)
from .rnn_ops import rnn, lstm, gru, simple_rnn  # noqa: E402,F401  (recurrent ops: pydl/rnn_ops.py)
