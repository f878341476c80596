"""Creation functions: shapes, dtypes, values, RNG seeding and statistics, size errors."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pydl


def values(t):
    return np.asarray(t.numpy())


def test_tensor_infers_dtype_and_copies():
    assert pydl.tensor([1.0, 2.0]).dtype == pydl.float32
    assert pydl.tensor([1, 2]).dtype == pydl.int64
    assert pydl.tensor([True, False]).dtype == pydl.bool_
    assert pydl.tensor(3.5).shape == ()
    nested = pydl.tensor([[1, 2, 3], [4, 5, 6]])
    assert nested.shape == (2, 3) and nested.tolist() == [[1, 2, 3], [4, 5, 6]]
    a = np.arange(4.0)
    t = pydl.tensor(a)
    assert t.dtype == pydl.float64                       # ndarrays keep their dtype
    a[0] = 99.0
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]           # tensor() copies
    assert str(pydl.float32) == "float32"


@pytest.mark.parametrize("spec", ["float64", np.float64, np.dtype("float64"), pydl.float64])
def test_dtype_spellings(spec):
    assert pydl.tensor([1, 2], dtype=spec).dtype == pydl.float64
    assert pydl.zeros(2, dtype=spec).dtype == pydl.float64
    assert values(pydl.tensor([1, 2], dtype=spec)).dtype == np.float64


@pytest.mark.parametrize("name,fill", [("zeros", 0.0), ("ones", 1.0)])
def test_zeros_ones(name, fill):
    f = getattr(pydl, name)
    for t in (f(2, 3), f((2, 3))):
        assert t.shape == (2, 3) and t.dtype == pydl.float32
        np.testing.assert_array_equal(values(t), np.full((2, 3), fill, np.float32))
    assert f(0).shape == (0,)
    assert f(4, dtype=pydl.int32).tolist() == [int(fill)] * 4


def test_empty_full():
    e = pydl.empty(3, 2, dtype="float64")
    assert e.shape == (3, 2) and e.dtype == pydl.float64
    f = pydl.full((2, 2), 1.5)
    np.testing.assert_array_equal(values(f), np.full((2, 2), 1.5))
    g = pydl.full((3,), 7, dtype=pydl.int32)
    assert g.dtype == pydl.int32 and g.tolist() == [7, 7, 7]


@pytest.mark.parametrize("args,kwargs,want", [
    ((5,), {}, np.arange(5)), ((1, 7, 2), {}, np.arange(1, 7, 2)),
    ((5, 0, -1), {}, np.arange(5, 0, -1)), ((0.0, 1.0, 0.25), {}, np.arange(0, 1, 0.25, np.float32)),
    ((5,), {"dtype": "float64"}, np.arange(5.0))])
def test_arange(args, kwargs, want):
    t = pydl.arange(*args, **kwargs)
    got = values(t)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)


def test_linspace_eye():
    np.testing.assert_allclose(values(pydl.linspace(0, 1, 5)), np.linspace(0, 1, 5), rtol=1e-6)
    assert pydl.linspace(0, 1, 5).dtype == pydl.float32
    assert pydl.linspace(-1, 1).shape == (50,)
    assert pydl.linspace(2, 3, 1).tolist() == [2.0]
    np.testing.assert_array_equal(values(pydl.eye(3)), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(values(pydl.eye(2, 4, dtype="float64")), np.eye(2, 4))


def test_like_functions_keep_shape_and_dtype():
    t = pydl.tensor(np.ones((2, 3)))                    # float64
    for f in (pydl.zeros_like, pydl.ones_like, pydl.empty_like, pydl.rand_like, pydl.randn_like):
        r = f(t)
        assert r.shape == (2, 3) and r.dtype == pydl.float64, f.__name__
    np.testing.assert_array_equal(values(pydl.zeros_like(t)), np.zeros((2, 3)))
    np.testing.assert_array_equal(values(pydl.ones_like(t)), np.ones((2, 3)))
    np.testing.assert_array_equal(values(pydl.full_like(t, 3)), np.full((2, 3), 3.0))
    assert pydl.zeros_like(t, dtype=pydl.int32).dtype == pydl.int32


def test_rand_range_and_mean():
    pydl.manual_seed(0)
    x = values(pydl.rand(100_000))
    assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01                   # std err ~0.0009
    assert pydl.rand(2, 3, dtype="float64").dtype == pydl.float64
    assert pydl.rand(2, 3).shape == (2, 3)


def test_randn_moments():
    pydl.manual_seed(1)
    x = values(pydl.randn(100_000)).astype(np.float64)
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1.0) < 0.02   # std errs ~0.003, ~0.002
    assert 0.6 < np.mean(np.abs(x) < 1.0) < 0.76                 # ~68% within one sigma


def test_uniform_normal_randint():
    pydl.manual_seed(2)
    u = values(pydl.uniform((10_000,), low=2.0, high=5.0))
    assert u.min() >= 2.0 and u.max() < 5.0 and abs(u.mean() - 3.5) < 0.05
    n = values(pydl.normal((100_000,), mean=3.0, std=2.0)).astype(np.float64)
    assert abs(n.mean() - 3.0) < 0.04 and abs(n.std() - 2.0) < 0.04
    r = pydl.randint(0, 10, (10_000,))
    assert r.dtype == pydl.int64
    assert set(np.unique(values(r)).tolist()) == set(range(10))
    r32 = pydl.randint(-5, 5, (2, 3), dtype=pydl.int32)
    assert r32.dtype == pydl.int32 and r32.shape == (2, 3)
    assert values(r32).min() >= -5 and values(r32).max() < 5


def test_manual_seed_reproducible():
    pydl.manual_seed(123)
    a, b = values(pydl.rand(1000)), values(pydl.randn(3, 4))
    pydl.manual_seed(123)
    np.testing.assert_array_equal(values(pydl.rand(1000)), a)
    np.testing.assert_array_equal(values(pydl.randn(3, 4)), b)
    pydl.manual_seed(124)
    assert not np.array_equal(values(pydl.rand(1000)), a)


@pytest.mark.parametrize("make", [lambda: pydl.zeros(-1), lambda: pydl.ones(2, -3),
                                  lambda: pydl.empty((-2,)), lambda: pydl.rand(-1),
                                  lambda: pydl.randn(3, -1), lambda: pydl.full((-1, 2), 1.0)])
def test_negative_size_raises_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_huge_size_raises_cleanly():
    # in a child: an overflowing allocation must raise, not crash or hang
    code = textwrap.dedent("""
        import json, pydl
        out = []
        for shape in [(2**62, 2**62), (2**62,), (2**40, 2**40, 2**40)]:
            try:
                pydl.zeros(shape)
                out.append(["no error", ""])
            except (ValueError, MemoryError) as e:
                out.append([type(e).__name__, str(e)])
        print(json.dumps(out))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    for (kind, msg), big in zip(json.loads(r.stdout.splitlines()[-1]),
                                [2**62, 2**62, 2**40]):
        assert kind in ("ValueError", "MemoryError"), (kind, msg)
        assert str(big) in msg, msg                        # the message names the size
