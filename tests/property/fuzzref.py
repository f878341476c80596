"""NumPy references for the pydl functions NumPy lacks (activations, softmax, conv, pool, gemm_).

`R` is the namespace reference code runs against: these functions, then anything else from numpy. Written from
the definitions (Keras/TensorFlow conventions: NHWC, 'same' puts the odd padding row at the end).
"""
import types

import numpy as np


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _floating(f):
    """pydl computes these in float for int inputs (NumPy: float16 for small ints, integer reciprocal)."""
    return lambda x: f(_float(x))


exp, log, sqrt, tanh, reciprocal = (_floating(f) for f in (np.exp, np.log, np.sqrt, np.tanh, np.reciprocal))


def sigmoid(x):
    x = _float(x)
    return 1.0 / (1.0 + np.exp(-x))


def relu(x):
    return np.maximum(x, np.zeros((), x.dtype))


def leaky_relu(x, alpha=0.2):
    x = _float(x)
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    x = _float(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def softplus(x):
    return np.logaddexp(0.0, _float(x))


def softmax(x, axis=-1):
    x = _float(x)
    if x.ndim == 0 and axis in (0, -1):                # PyTorch: softmax of a 0-d tensor is 1
        return np.exp(x - x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    x = _float(x)
    if x.ndim == 0 and axis in (0, -1):
        return x - x
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def gemm_(c, a, b, alpha=1.0, beta=0.0, trans_a=False, trans_b=False):
    if not c.flags.writeable:
        raise ValueError("gemm_: output is read-only")
    a, b = (a.T if trans_a else a), (b.T if trans_b else b)
    if a.ndim != 2 or b.ndim != 2 or c.ndim != 2 or a.shape[1] != b.shape[0] or c.shape != (a.shape[0], b.shape[1]):
        raise ValueError(f"gemm_: shapes {c.shape} {a.shape} {b.shape}")
    prod = alpha * (_float(a) @ _float(b))
    c[...] = prod if beta == 0 else prod + beta * c
    return c


def _out_size(n, k, s, d, padding):
    """Output length and (before) padding of one spatial axis, TensorFlow's rule."""
    if s < 1 or d < 1 or k < 1:
        raise ValueError(f"strides, dilation and kernel size must be >= 1, got {s}, {d}, {k}")
    eff = (k - 1) * d + 1
    if padding == "valid":
        out = (n - eff) // s + 1
        if out < 1:
            raise ValueError(f"window {eff} larger than input {n}")
        return out, 0
    if padding != "same":
        raise ValueError(f"padding {padding!r}")
    out = -(-n // s)
    return out, max((out - 1) * s + eff - n, 0) // 2


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(x, w, b=None, strides=1, padding="valid", dilation=1):
    x, w = _float(x), _float(w)
    if x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3] or (b is not None and b.shape != (w.shape[3],)):
        raise ValueError(f"conv2d: x {x.shape}, w {w.shape}")
    (sh, sw), (dh, dw) = _pair(strides), _pair(dilation)
    kh, kw = w.shape[:2]
    oh, ph = _out_size(x.shape[1], kh, sh, dh, padding)
    ow, pw = _out_size(x.shape[2], kw, sw, dw, padding)
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i in range(kh):
        for j in range(kw):
            rows = np.arange(oh) * sh + i * dh - ph
            cols = np.arange(ow) * sw + j * dw - pw
            ok_r, ok_c = (rows >= 0) & (rows < x.shape[1]), (cols >= 0) & (cols < x.shape[2])
            patch = x[:, np.clip(rows, 0, max(x.shape[1] - 1, 0))][:, :, np.clip(cols, 0, max(x.shape[2] - 1, 0))]
            patch = patch * (ok_r[:, None] & ok_c[None, :])[None, :, :, None]
            out += patch @ w[i, j]
    return out if b is None else out + _float(b)


def conv1d(x, w, b=None, strides=1, padding="valid", dilation=1):
    if np.ndim(x) != 3 or np.ndim(w) != 3:
        raise ValueError("conv1d: x and w must be 3-D")
    return conv2d(x[:, None], w[None], b, (1, strides), padding, (1, dilation))[:, 0]


def _pool2d(x, k, s, padding, is_max):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"pool2d: x must be 4-D, got {x.shape}")
    (kh, kw), (sh, sw) = _pair(k), _pair(s)
    oh, ph = _out_size(x.shape[1], kh, sh, 1, padding)
    ow, pw = _out_size(x.shape[2], kw, sw, 1, padding)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype if is_max else np.float64)
    for r in range(oh):
        for c in range(ow):
            r0, c0 = r * sh - ph, c * sw - pw
            win = x[:, max(r0, 0):r0 + kh, max(c0, 0):c0 + kw]
            out[:, r, c] = win.max(axis=(1, 2)) if is_max else win.mean(axis=(1, 2))
    return out


def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    return _pool2d(x, pool_size, pool_size if strides is None else strides, padding, True)


def avg_pool2d(x, pool_size=2, strides=None, padding="valid"):
    return _pool2d(_float(x), pool_size, pool_size if strides is None else strides, padding, False)


R = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("_")})
R.__dict__.update({k: v for k, v in globals().items() if callable(v) and not k.startswith("_") and k != "R"})
R.__dict__.update(exp=exp, log=log, sqrt=sqrt, tanh=tanh, reciprocal=reciprocal)
