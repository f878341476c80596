"""Shared helpers of the CUDA-vs-CPU parity tests: run a function on both devices and compare (to rounding for
float math, exactly for moves, integers and the counter-based RNG)."""
import numpy as np
import pytest

import pydl

CUDA = bool(pydl.build_info()["cuda_available"])
REASON = ("no CUDA device: pydl.build_info()['cuda_available'] is False"
          + ("" if pydl.build_info()["cuda_compiled"] else " (pydl was built without CUDA; rebuild with "
             "-Ccmake.define.PYDL_CUDA=ON)"))
needs_cuda = pytest.mark.skipif(not CUDA, reason=REASON)

FLOATS = ["float32", "float64"]
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-13)}


def np_of(x):
    return np.asarray(x.cpu()) if isinstance(x, pydl.Tensor) else np.asarray(x)


def on_both(fn, *arrays, **kw):
    """fn(*tensors) on CPU tensors and on CUDA copies of them; returns both results as NumPy arrays."""
    cpu = [pydl.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
    gpu = [t.to("cuda") if isinstance(t, pydl.Tensor) else t for t in cpu]
    rc, rg = fn(*cpu, **kw), fn(*gpu, **kw)
    if isinstance(rg, pydl.Tensor):
        assert rg.device.type == "cuda", f"result on {rg.device}"
    return np_of(rc), np_of(rg)


def check(fn, *arrays, tol=None, exact=False, **kw):
    c, g = on_both(fn, *arrays, **kw)
    assert c.shape == g.shape and c.dtype == g.dtype, (c.shape, g.shape, c.dtype, g.dtype)
    if exact or c.dtype.kind not in "f":
        np.testing.assert_array_equal(g, c)
    else:
        np.testing.assert_allclose(g, c, equal_nan=True, **(tol or TOL[str(c.dtype)]))


SHAPES = [((),), ((7,),), ((3, 5),), ((2, 1, 4), (3, 1)), ((5,), (2, 3, 5)), ((1_000_003,),), ((0, 3),)]


def arrays_for(rng, shapes, dtype, low=-2.0, high=2.0):
    out = [rng.uniform(low, high, s).astype(dtype) for s in shapes]
    return out if len(out) > 1 else out * 2



def grads_on(device, fn, arrays, seed=11):
    """fn(*tensors) on `device` with every input requiring grad; loss = sum(out * r) for a fixed random r.
    Returns the output and each input's gradient as NumPy arrays."""
    ts = [pydl.tensor(a).to(device) for a in arrays]
    for t in ts:
        t.requires_grad = True
    y = fn(*ts)
    r = np.random.default_rng(seed).uniform(-1, 1, tuple(y.shape)).astype(arrays[0].dtype)
    (y * pydl.tensor(r).to(device)).sum().backward()
    return [np_of(y)] + [np_of(t.grad) for t in ts]


def check_grads(fn, arrays, tol):
    cpu, gpu = grads_on("cpu", fn, arrays), grads_on("cuda", fn, arrays)
    for i, (c, g) in enumerate(zip(cpu, gpu)):
        assert c.shape == g.shape, (i, c.shape, g.shape)
        np.testing.assert_allclose(g, c, err_msg=f"output {i}", **tol)


def mm_tol(dtype, k):
    return dict(rtol=1e-5, atol=3e-6 * k) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14 * k)
