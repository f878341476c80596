"""NumPy and DLPack interop: zero-copy, lifetimes, dtypes, strides, repr, Python conversions."""
import gc

import numpy as np
import pytest

import pydl

DTYPES = ["float32", "float64", "int32", "int64", "uint8", "bool"]
PYDL = {"float32": pydl.float32, "float64": pydl.float64, "int32": pydl.int32,
        "int64": pydl.int64, "uint8": pydl.uint8, "bool": pydl.bool_}


def sample(dtype, shape=(3, 4)):
    a = np.arange(int(np.prod(shape))).reshape(shape) % 7
    return (a % 2 == 1) if dtype == "bool" else a.astype(dtype)


def test_from_numpy_is_zero_copy_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = pydl.from_numpy(a)
    a[0, 0] = 100.0
    assert t[0, 0].item() == 100.0                     # numpy -> tensor
    t[1, 2] = -5.0
    assert a[1, 2] == -5.0                             # tensor -> numpy
    n = t.numpy()
    n[0, 1] = 7.0
    assert a[0, 1] == 7.0 and np.shares_memory(n, a)
    assert np.shares_memory(np.asarray(t), a)


def test_from_numpy_keeps_array_alive():
    t = pydl.from_numpy(np.arange(100_000, dtype=np.float64))
    gc.collect()
    junk = [np.full(100_000, -1.0) for _ in range(20)]   # reuse any freed memory
    np.testing.assert_array_equal(t.numpy(), np.arange(100_000.0))
    del junk


def test_numpy_view_outlives_tensor():
    t = pydl.arange(100_000, dtype="float64")
    n = np.asarray(t)
    m = t.numpy()
    del t
    gc.collect()
    junk = [np.full(100_000, -1.0) for _ in range(20)]
    np.testing.assert_array_equal(n, np.arange(100_000.0))
    np.testing.assert_array_equal(m, np.arange(100_000.0))
    del junk


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_round_trips_for_all_dtypes(dtype):
    a = sample(dtype)
    for t in (pydl.from_numpy(a), pydl.tensor(a)):
        assert t.dtype == PYDL[dtype]
        assert t.shape == a.shape and t.itemsize == a.itemsize
        for back in (t.numpy(), np.asarray(t)):
            assert back.dtype == a.dtype
            np.testing.assert_array_equal(back, a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("key", ["neg", "T", "step", "neg2d"])
def test_noncontiguous_numpy_inputs(dtype, key):
    a = sample(dtype, (4, 6))
    view = {"neg": a[::-1], "T": a.T, "step": a[:, ::2], "neg2d": a[::-2, ::-3]}[key]
    for t in (pydl.from_numpy(view), pydl.tensor(view)):
        np.testing.assert_array_equal(t.numpy(), view)
        np.testing.assert_array_equal(np.asarray(t.contiguous()), view)
        assert t.shape == view.shape


@pytest.mark.parametrize("key", ["T", "step"])
def test_from_numpy_strided_views_share_memory(key):
    a = np.arange(24.0).reshape(4, 6)
    view = {"T": a.T, "step": a[:, ::2]}[key]
    t = pydl.from_numpy(view)
    view[1, 1] = -1.0
    assert t[1, 1].item() == -1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_dlpack_round_trips(dtype):
    a = sample(dtype)
    t = pydl.tensor(a)
    assert t.__dlpack_device__() == (1, 0)
    n = np.from_dlpack(t)
    assert n.dtype == a.dtype and n.shape == a.shape
    np.testing.assert_array_equal(n, a)
    assert np.shares_memory(n, t.numpy())              # DLPack is zero-copy
    for src in (a, t):
        u = pydl.from_dlpack(src)
        assert u.shape == a.shape and values_equal(u, a)
    np.testing.assert_array_equal(np.from_dlpack(t.T), a.T)   # strided export


def values_equal(t, a):
    n = t.numpy()
    return n.dtype == a.dtype and np.array_equal(n, a)


def test_capsule_protocol():
    t = pydl.tensor([1.0, 2.0])
    cap = t.__dlpack__()
    assert type(cap).__name__ == "PyCapsule"
    u = pydl.from_dlpack(t)
    assert u.tolist() == [1.0, 2.0]


def test_repr_looks_like_numpy():
    assert repr(pydl.tensor([1.0, 2.0])) == "tensor([1., 2.], dtype=float32)"
    assert repr(pydl.tensor([1, 2])).startswith("tensor([1, 2]")
    r = repr(pydl.tensor([1.0, 2.0], requires_grad=True))
    assert r.startswith("tensor([1., 2.]") and "requires_grad=True" in r


def test_python_conversions():
    t = pydl.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    rows = [r.tolist() for r in t]
    assert rows == [[1.5, 2.0], [3.0, 4.0]]
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert t[0, 0].item() == 1.5 and float(t[0, 0]) == 1.5 and int(t[1, 1]) == 4
    assert bool(pydl.tensor([0.0])) is False and bool(pydl.tensor(2.0)) is True
    assert isinstance(pydl.tensor([3]).item(), int)
    c = t.astype("float64")
    assert c.dtype == pydl.float64 and c.tolist() == t.tolist()
    k = t.clone()
    k[0, 0] = 9.0
    assert t[0, 0].item() == 1.5                       # clone copies
