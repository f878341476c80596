"""matmul suite: square sgemm from n=8 (per-call overhead dominates) to n=2048 (cache blocking and threads
dominate), dgemm, and the Dense-layer products of the book's MNIST network, forward and backward.

Backward products multiply transposed views (`x.T @ dy`, `dy @ w.T`) the way autograd does, in every library,
so a GEMM that needs an explicit transpose copy pays for it here too. Every library uses plain `@`, which
allocates its result each call.
"""
import functools
import operator

import numpy as np

import pydl

from ..case import Case, register

SQUARE = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)
# (batch, fan_in, fan_out) of the book's dense network 784 -> 64 -> 10
LAYERS = ((128, 784, 64), (128, 64, 10))


def _tn(a, b):
    return a.T @ b


def _nt(a, b):
    return a @ b.T


def _case(op, a, b, form, torch, series="", size=0):
    """form: 'nn' a @ b, 'tn' a.T @ b, 'nt' a @ b.T, with a and b NumPy arrays shared by all libraries."""
    f = {"nn": operator.matmul, "tn": _tn, "nt": _nt}[form]
    fmt = "x".join
    sa, sb = fmt(map(str, a.shape)), fmt(map(str, b.shape))
    shape = {"nn": f"{sa} @ {sb}", "tn": f"({sa}).T @ {sb}", "nt": f"{sa} @ ({sb}).T"}[form]
    m, k = a.shape[::-1] if form == "tn" else a.shape
    n = b.shape[0] if form == "nt" else b.shape[1]
    # partial keeps Python's own call overhead identical (and minimal) for every library
    fns = {"pydl": functools.partial(f, pydl.from_numpy(a), pydl.from_numpy(b)),
           "numpy": functools.partial(f, a, b)}
    if torch:
        fns["torch"] = functools.partial(f, torch.from_numpy(a), torch.from_numpy(b))
    tol = 1e-10 if a.dtype == np.float64 else 1e-4
    return Case(op, shape, "GFLOP/s", 2.0 * m * n * k, fns, tol, series, size)


@register("matmul")
def cases(quick, torch):
    rng = np.random.default_rng(0)

    def rand(*shape, dtype=np.float32):
        return rng.standard_normal(shape, dtype=dtype)

    for n in SQUARE:
        if not (quick and n > 1024):
            yield _case("sgemm", rand(n, n), rand(n, n), "nn", torch, series="sgemm", size=n)
    yield _case("dgemm", rand(1024, 1024, dtype=np.float64), rand(1024, 1024, dtype=np.float64), "nn", torch)
    for batch, fan_in, fan_out in LAYERS:
        x, w, dy = rand(batch, fan_in), rand(fan_in, fan_out), rand(batch, fan_out)
        yield _case("dense fwd", x, w, "nn", torch)   # y = x @ w
        yield _case("dense dW", x, dy, "tn", torch)   # dW = x.T @ dy
        yield _case("dense dX", dy, w, "nt", torch)   # dX = dy @ w.T
