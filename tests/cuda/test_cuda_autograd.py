"""CUDA vs CPU parity of autograd: gradients of a small network and through indexing and shape ops agree on
both devices; gradients move back across devices. Skipped, with the reason, without a GPU."""
import pathlib
import sys

import numpy as np
import pytest

import pydl
import pydl.cuda

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from parity import FLOATS, needs_cuda, np_of  # noqa: E402


# ---- autograd ------------------------------------------------------------------------------------------------

def mlp_grads(device, dtype, x, y, w1, b1, w2, b2):
    t = {k: pydl.tensor(v).to(device) for k, v in dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2).items()}
    for k in ("w1", "b1", "w2", "b2"):
        t[k].requires_grad = True
    onehot = pydl.tensor(np.eye(w2.shape[1], dtype=dtype)[y]).to(device)
    h = pydl.relu(t["x"] @ t["w1"] + t["b1"])
    z = pydl.tanh(h) @ t["w2"] + t["b2"]
    logp = pydl.log_softmax(z, axis=-1)
    loss = -(logp * onehot).sum() / x.shape[0] + 0.01 * (t["w1"] * t["w1"]).sum()
    loss = loss + pydl.sigmoid(pydl.max(z, axis=1)).mean() + pydl.softmax(z, axis=0)[:, 1].sum()
    loss.backward()
    return [np_of(loss)] + [np_of(t[k].grad) for k in ("w1", "b1", "w2", "b2")]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_backward_small_graph(rng, dtype):
    x = rng.normal(size=(33, 20)).astype(dtype)
    y = rng.integers(0, 10, 33)
    w1 = (rng.normal(size=(20, 16)) * 0.3).astype(dtype)
    b1 = (rng.normal(size=(16,)) * 0.1).astype(dtype)
    w2 = (rng.normal(size=(16, 10)) * 0.3).astype(dtype)
    b2 = np.zeros(10, dtype)
    cpu = mlp_grads("cpu", dtype, x, y, w1, b1, w2, b2)
    gpu = mlp_grads("cuda", dtype, x, y, w1, b1, w2, b2)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for c, g in zip(cpu, gpu):
        np.testing.assert_allclose(g, c, **tol)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_backward_through_indexing_and_shape_ops(rng, dtype):
    table = rng.normal(size=(50, 8)).astype(dtype)
    ids = rng.integers(0, 50, (40,))                  # repeated ids: index_add must accumulate in order
    many = rng.integers(0, 50, (3000,))               # many sources per row (grouped index_add)
    few = np.array([3, 3, 7])                          # a handful of sources (one thread per column)
    gidx = rng.integers(0, 8, (50, 3))
    cube = rng.normal(size=(4, 50, 8)).astype(dtype)

    def run(device):
        t = pydl.tensor(table).to(device)
        t.requires_grad = True
        u = pydl.tensor(cube).to(device)
        u.requires_grad = True
        e = pydl.ops.take(t, ids, axis=0)
        f = pydl.ops.take(t, many, axis=0)
        h = pydl.ops.take(t, few, axis=0)
        k = pydl.ops.take(u, many[:200], axis=1)      # outer = 4
        g = pydl.gather(t, 1, pydl.tensor(gidx).to(device))
        p = pydl.ops.pad(t[::2, 1:5], ((1, 1), (0, 2)))
        c = pydl.concatenate([e, f], axis=0)
        loss = ((c * c).sum() + (g * 3.0).sum() + pydl.exp(p).sum() + pydl.maximum(t, 0.1).mean()
                + (h * h).sum() + (k * k).sum())
        loss.backward()
        return np_of(loss), np.concatenate([np_of(t.grad).ravel(), np_of(u.grad).ravel()])

    (lc, gc), (lg, gg) = run("cpu"), run("cuda")
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lg, lc, **tol)
    np.testing.assert_allclose(gg, gc, **tol)


@needs_cuda
def test_grad_moves_back_across_devices(rng):
    x = pydl.tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    y = (x.to("cuda") * 2.0).sum()
    y.backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_array_equal(np_of(x.grad), np.full((4, 3), 2.0, np.float32))


@needs_cuda
def test_synchronize_and_errors_are_clean():
    a = pydl.randn(1000, 1000, device="cuda")
    b = a @ a
    pydl.cuda.synchronize()
    assert np.isfinite(np_of(b)).all()
