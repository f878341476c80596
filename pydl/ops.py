"""Tensor operations. Each is one call into pydl's C++ core (pydl._C), which computes the result and records
the gradient when an input requires grad.

>>> x = pydl.tensor([[1.0, -2.0]])
>>> pydl.ops.relu(x).tolist()
[[1.0, 0.0]]
"""
import numpy as np

from . import _C
from .tensor import Tensor, tensor

# Elementwise (NumPy broadcasting), reductions, activations, linear algebra: straight from the core.
add = _C.add
sub = _C.sub
subtract = _C.sub
mul = _C.mul
multiply = _C.mul
div = _C.div
divide = _C.div
pow = _C.pow
power = _C.pow
maximum = _C.maximum
minimum = _C.minimum
eq = equal = _C.eq
ne = not_equal = _C.ne
lt = less = _C.lt
le = less_equal = _C.le
gt = greater = _C.gt
ge = greater_equal = _C.ge
where = _C.where
neg = negative = _C.neg
abs = _C.abs
exp = _C.exp
log = _C.log
sqrt = _C.sqrt
square = _C.square
reciprocal = _C.reciprocal
sigmoid = _C.sigmoid
tanh = _C.tanh
relu = _C.relu
leaky_relu = _C.leaky_relu
elu = _C.elu
softplus = _C.softplus
clip = _C.clip
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
    _C.gemm_(c, a, b, float(alpha), float(beta), bool(trans_a), bool(trans_b))
    return c


def reshape(x, shape):
    """Same data in a new shape (a view when possible)."""
    return x.reshape(shape)


def transpose(x, axes=None):
    """Permutes axes like numpy.transpose (reverses them by default)."""
    return x.transpose() if axes is None else x.permute(*axes)


def split(x, indices_or_sections, axis=0):
    """numpy.split: `sections` equal parts, or cut before each given index. Returns a list of views."""
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(f"split: axis of size {n} cannot be divided into {sections} equal sections")
        bounds = [n // sections * i for i in range(1, sections)]
    else:
        bounds = [int(i) for i in indices_or_sections]
    return _C._split(x, bounds, axis)


def pad(x, pad_width, value=0.0):
    """Constant padding with NumPy's pad_width forms: int, (before, after), or one pair per axis."""
    pw = np.asarray(pad_width, dtype=np.int64)
    if pw.ndim == 0:
        pairs = [(int(pw), int(pw))] * x.ndim
    elif pw.shape == (2,):
        pairs = [(int(pw[0]), int(pw[1]))] * x.ndim
    elif pw.shape == (1, 2):
        pairs = [(int(pw[0, 0]), int(pw[0, 1]))] * x.ndim
    elif pw.ndim == 2 and pw.shape[1] == 2:
        pairs = [(int(a), int(b)) for a, b in pw]
    else:
        raise ValueError(f"pad: pad_width must be an int, a (before, after) pair or one pair per axis, got {pad_width!r}")
    return _C._pad(x, pairs, float(value))


def take(x, indices, axis=None):
    """numpy.take: elements (axis=None, over the flattened tensor) or slices along `axis` at integer indices."""
    idx = indices if isinstance(indices, Tensor) else tensor(np.asarray(indices, dtype=np.int64))
    if axis is None:
        return _C._index_select(x.reshape(-1), 0, idx)
    return _C._index_select(x, axis, idx)


def broadcast_to(x, shape):
    return x.broadcast_to(shape)


def expand_dims(x, axis):
    return x.unsqueeze(axis)


def squeeze(x, axis=None):
    return x.squeeze(axis)


def flatten(x):
    return x.flatten()


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("np", "Tensor", "tensor")]
