"""elementwise suite: activations, add (same shape and row broadcast) and softmax on arrays far larger than
the caches, so they measure memory bandwidth and the vector math; plus a plain copy as the machine's bandwidth
reference. Rates count bytes read + written once (4 per float32 element per operand).

The NumPy column is what a careful NumPy user writes: ufuncs with `out=` into a preallocated buffer (NumPy runs
them on one thread), sigmoid as 1/(1+exp(-x)) in place (silu and the tanh
form of gelu likewise), softmax as max-subtract/exp/sum/divide. pydl and
PyTorch are called through their public functional API, which allocates the result each call.
"""
import functools
import operator

import numpy as np

import pydl

from ..case import Case, register


def _np_sigmoid(x, o):
    np.negative(x, out=o)
    np.exp(o, out=o)
    np.add(o, 1, out=o)
    return np.reciprocal(o, out=o)


def _np_silu(x, o):
    return np.multiply(x, _np_sigmoid(x, o), out=o)


def _np_gelu_tanh(x, o):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in place in o."""
    np.multiply(x, x, out=o)
    o *= 0.044715 * x
    o += x
    o *= np.float32(np.sqrt(2 / np.pi))
    np.tanh(o, out=o)
    o += 1.0
    o *= x
    o *= 0.5
    return o


def _np_softmax(x, o):
    np.subtract(x, x.max(axis=-1, keepdims=True), out=o)
    np.exp(o, out=o)
    o /= o.sum(axis=-1, keepdims=True)
    return o


def _np_dropout(x, o, u, gen, rate):
    gen.random(out=u, dtype=np.float32)  # float32 uniforms, then one masked scale
    np.multiply(x, u >= rate, out=o)
    o *= 1.0 / (1.0 - rate)
    return o


def _np_copy(x, o):
    np.copyto(o, x)
    return o


def _case(torch, op, shape, nbytes, pydl_fn, np_fn, torch_fn, tol=1e-5):
    """torch_fn is a factory (torch may be None, so its callables cannot be named up front)."""
    fns = {"pydl": pydl_fn, "numpy": np_fn}
    if torch:
        fns["torch"] = torch_fn()
    return Case(op, shape, "GB/s", float(nbytes), fns, tol)


@register("elementwise")
def cases(quick, torch):
    n = 1 << (20 if quick else 24)
    label = f"{n >> 20}M f32"
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    o = np.empty(n, np.float32)  # NumPy's out= buffer
    px, py = pydl.from_numpy(x), pydl.from_numpy(y)
    tx, ty = (torch.from_numpy(x), torch.from_numpy(y)) if torch else (None, None)
    p = functools.partial

    # the copy reference: NumPy's copy is single-threaded; torch's copy_ into a preallocated tensor is threaded
    yield _case(torch, "copy", label, 8 * n, px.clone, p(_np_copy, x, o), lambda: p(torch.empty_like(tx).copy_, tx))
    for op, np_fn in (("relu", p(np.maximum, x, 0, out=o)), ("sigmoid", p(_np_sigmoid, x, o)),
                      ("tanh", p(np.tanh, x, out=o)), ("exp", p(np.exp, x, out=o))):
        yield _case(torch, op, label, 8 * n, p(getattr(pydl, op), px), np_fn, lambda: p(getattr(torch, op), tx))
    F = torch.nn.functional if torch else None
    yield _case(torch, "silu", label, 8 * n, p(pydl.silu, px), p(_np_silu, x, o), lambda: p(F.silu, tx))
    # gelu's tanh form: NumPy has no erf for the exact (default) form, and every row here has a NumPy column
    yield _case(torch, "gelu (tanh)", label, 8 * n, p(pydl.gelu, px, approximate=True), p(_np_gelu_tanh, x, o),
                lambda: p(F.gelu, tx, approximate="tanh"))
    yield _case(torch, "add", f"{label} + {label}", 12 * n, p(operator.add, px, py), p(np.add, x, y, out=o),
                lambda: p(operator.add, tx, ty))

    # Dropout at rate 0.5 on an all-ones input: every library draws its own mask, so the check can only bound the
    # values (0 or 2: max |difference| <= 1.0 x max |NumPy|), which still catches a wrong scale.
    ones, u = np.ones(n, np.float32), np.empty(n, np.float32)
    yield Case("dropout", f"{label}, rate 0.5", "GB/s", 8.0 * n,
               {"pydl": p(pydl.nn_ops.dropout, pydl.from_numpy(ones), 0.5),
                "numpy": p(_np_dropout, ones, o, u, np.random.default_rng(1), 0.5),
                **({"torch": p(torch.nn.functional.dropout, torch.from_numpy(ones), 0.5, True)} if torch else {})},
               tol=1.0)

    side = 1 << (10 if quick else 12)  # a square matrix plus a row vector broadcast down it
    xm, om, row = x.reshape(side, side), o.reshape(side, side), y[:side]
    yield _case(torch, "add row", f"{side}x{side} + {side}", 4 * (2 * n + side),
                p(operator.add, pydl.from_numpy(xm), pydl.from_numpy(row)), p(np.add, xm, row, out=om),
                lambda: p(operator.add, torch.from_numpy(xm), torch.from_numpy(row)))

    rows, cols = (1024 if quick else 4096), 1000  # a batch of 1000-class logits
    s, so = rng.standard_normal((rows, cols), dtype=np.float32), np.empty((rows, cols), np.float32)
    yield _case(torch, "softmax", f"{rows}x{cols}, axis -1", 8 * rows * cols, p(pydl.softmax, pydl.from_numpy(s), -1),
                p(_np_softmax, s, so), lambda: p(torch.softmax, torch.from_numpy(s), -1))
