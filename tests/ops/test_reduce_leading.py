"""Sum/mean/max/min over LEADING axes (the kept axes trailing, as in a bias gradient x.sum(axis=0)): the kernel folds
rows into accumulators instead of transposing (csrc/cpu/reduce_columns.cpp). Checked against NumPy on shapes that
cross its 256-row blocks and 1024-column tiles, views, dtypes, and for bit-identity at 1 and 2 threads."""
import numpy as np
import pytest

import pydl

# (shape, axes): block (256 rows) and tile (1024 columns) boundaries, length-1 axes among the reduced ones
CASES = [((1000, 3), (0,)), ((257, 5), (0,)), ((513, 1025), (0,)), ((2, 7), (0,)), ((1, 7), (0,)),
         ((7, 1), (0,)), ((3, 300, 7), (0, 1)), ((4, 1, 300, 6), (0, 2)), ((4, 1, 30, 6), (0, 1, 2)),
         ((5, 2, 3), (0,)), ((600, 2, 3), (0,))]


def _np(a, op, axes, keepdims=False):
    if op == "sum" and a.dtype.kind in "biu":
        return np.sum(a, axis=axes, dtype=np.int64, keepdims=keepdims)
    return getattr(np, op)(a, axis=axes, keepdims=keepdims)


@pytest.mark.parametrize("shape,axes", CASES)
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_float_matches_numpy(rng, shape, axes, op):
    for dt in ("float32", "float64"):
        a = rng.standard_normal(shape).astype(dt)
        got = np.asarray(getattr(pydl.tensor(a), op)(axis=axes))
        assert got.dtype == np.dtype(dt) and got.shape == _np(a, op, axes).shape
        if op in ("max", "min"):
            np.testing.assert_array_equal(got, _np(a, op, axes))
        else:
            # atol for cancellation: a float32 sum of ~1000 normals can land near 0
            np.testing.assert_allclose(got, _np(a.astype(np.float64), op, axes), rtol=1e-5 if dt == "float32" else 1e-12,
                                       atol=1e-4 if dt == "float32" else 1e-12)


@pytest.mark.parametrize("shape,axes", CASES)
@pytest.mark.parametrize("dt", ["int32", "int64", "uint8", "bool"])
def test_integers_exact(rng, shape, axes, dt):
    a = rng.integers(0, 2 if dt == "bool" else 200, size=shape).astype(dt)
    x = pydl.tensor(a)
    got = np.asarray(x.sum(axis=axes))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, _np(a, "sum", axes))
    for op in ("max", "min"):
        np.testing.assert_array_equal(np.asarray(getattr(x, op)(axis=axes)), _np(a, op, axes))


def test_int64_sum_wraps_like_numpy():
    a = np.full((300, 3), 2**62, dtype=np.int64)
    np.testing.assert_array_equal(np.asarray(pydl.tensor(a).sum(axis=0)), a.sum(axis=0))


def test_keepdims_and_empty():
    a = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(np.asarray(pydl.tensor(a).sum(axis=0, keepdims=True)), [[18.0, 22.0, 26.0]])
    np.testing.assert_array_equal(np.asarray(pydl.tensor(np.zeros((0, 3), np.float32)).sum(axis=0)), [0.0, 0.0, 0.0])
    assert np.asarray(pydl.tensor(np.zeros((4, 0), np.float32)).sum(axis=0)).shape == (0,)
    assert np.isnan(np.asarray(pydl.tensor(np.zeros((0, 3), np.float32)).mean(axis=0))).all()
    with pytest.raises(ValueError, match="identity"):
        pydl.tensor(np.zeros((0, 3), np.float32)).max(axis=0)


def test_nan_wins_max_min():
    a = np.ones((700, 4), np.float32)
    a[600, 1] = np.nan
    a[3, 2] = -5.0
    for op in ("max", "min"):
        np.testing.assert_array_equal(np.asarray(getattr(pydl.tensor(a), op)(axis=0)), getattr(np, op)(a, axis=0))


@pytest.mark.parametrize("how", ["step", "T", "flip", "slice"])
def test_noncontiguous_inputs(rng, noncontig, how):
    a = rng.standard_normal((600, 9)).astype(np.float32)
    if how == "slice":
        x, a = pydl.tensor(a)[:, ::2], a[:, ::2]
    else:
        x = noncontig(a, how)
    for op in ("sum", "max"):
        np.testing.assert_allclose(np.asarray(getattr(x, op)(axis=0)), _np(a.astype(np.float64), op, 0), rtol=1e-5,
                                   atol=1e-5)
    b = rng.standard_normal((5, 300, 4)).astype(np.float32)
    xb = pydl.tensor(np.ascontiguousarray(b.transpose(1, 0, 2))).permute(1, 0, 2)  # leading reduced, not contiguous
    np.testing.assert_allclose(np.asarray(xb.sum(axis=(0, 1))), b.astype(np.float64).sum(axis=(0, 1)), rtol=1e-5)


def test_bit_identical_at_1_and_2_threads(restore_threads, rng):
    a = rng.standard_normal((3000, 2100)).astype(np.float32)  # several blocks and tiles: both split across threads
    x = pydl.tensor(a)
    runs = []
    for n in (1, 2):
        pydl.set_num_threads(n)
        runs.append([np.asarray(x.sum(axis=0)), np.asarray(x.mean(axis=0)), np.asarray(x.max(axis=0))])
    for one, two in zip(*runs):
        np.testing.assert_array_equal(one, two)


def test_long_column_accuracy():
    # 200,000 positive float32 values per column: a plain sequential float32 sum drifts by ~1e-5 relative (NumPy's
    # own axis-0 sum does); blocks of 256 rows then a pairwise tree keep it near float32 resolution.
    a = np.random.default_rng(3).uniform(0.0, 1.0, (200000, 3)).astype(np.float32)
    exact = a.astype(np.float64).sum(axis=0)
    got = np.asarray(pydl.tensor(a).sum(axis=0)).astype(np.float64)
    assert np.max(np.abs(got - exact) / exact) < 5e-7


def test_gradient_of_leading_sum_and_bias_broadcast(rng):
    a = rng.standard_normal((300, 4)).astype(np.float32)
    x = pydl.tensor(a, requires_grad=True)
    b = pydl.tensor(np.zeros(4, np.float32), requires_grad=True)
    w = rng.standard_normal((300, 4)).astype(np.float32)
    ((x + b) * pydl.tensor(w)).sum().backward()
    np.testing.assert_allclose(np.asarray(b.grad), w.astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(x.grad), w)
