"""Pooling, global pooling, upsample2d and zero_pad2d: values vs NumPy float64 (TensorFlow semantics: 'same'
windows ignore the padding and averages divide by what they cover), PyTorch when installed, Keras output shapes,
fp64 gradcheck for every option, and bad inputs."""
import numpy as np
import pytest

import pydl
from pydl.autograd import gradcheck
from np_refs import keras_pool_length, np_pool1d, np_pool2d, pair  # noqa: F401

DTYPES = ["float32", "float64"]


def distinct(rng, shape):
    """Values with no ties (a max has one winner, so finite differences see a smooth function)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - n * 0.1).reshape(shape)


def ptensor(a, dtype="float64", grad=False):
    return pydl.tensor(np.ascontiguousarray(a, dtype=dtype), requires_grad=grad)


# (n, h, w, c, pool, strides, padding)
POOL2D_CASES = [
    (2, 6, 6, 3, 2, None, "valid"),
    (1, 7, 9, 2, 2, None, "same"),           # even pool, odd sizes: extra window at the end
    (2, 7, 7, 1, 3, 2, "same"),              # odd pool, stride 2, channel 1
    (1, 8, 7, 4, (2, 3), (3, 4), "valid"),   # stride > pool
    (2, 5, 4, 3, (5, 4), 1, "valid"),        # pool = input size
    (1, 5, 6, 2, 3, 1, "same"),
    (3, 9, 5, 5, (4, 2), (2, 1), "same"),    # even pool, 'same' with stride 2: asymmetric padding
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
@pytest.mark.parametrize("case", POOL2D_CASES, ids=str)
def test_pool2d_forward(case, is_max, dtype, rng):
    n, h, w, c, pool, strides, padding = case
    x = rng.standard_normal((n, h, w, c))
    fn = pydl.max_pool2d if is_max else pydl.avg_pool2d
    y = fn(ptensor(x, dtype), pool_size=pool, strides=strides, padding=padding)
    s = pair(pool if strides is None else strides)
    assert y.shape == (n, keras_pool_length(h, pair(pool)[0], padding, s[0]),
                       keras_pool_length(w, pair(pool)[1], padding, s[1]), c)
    np.testing.assert_allclose(np.asarray(y, dtype=np.float64), np_pool2d(x, is_max, pool, s, padding),
                               rtol=1e-6 if dtype == "float32" else 1e-14, atol=1e-6 if dtype == "float32" else 1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
@pytest.mark.parametrize("case", [(2, 9, 3, 2, None, "valid"), (1, 9, 2, 2, None, "same"), (2, 7, 1, 3, 2, "same"),
                                  (1, 10, 4, 4, 4, "valid"), (1, 5, 2, 5, 1, "valid")], ids=str)
def test_pool1d_forward(case, is_max, dtype, rng):
    n, steps, c, pool, stride, padding = case
    x = rng.standard_normal((n, steps, c))
    fn = pydl.max_pool1d if is_max else pydl.avg_pool1d
    y = fn(ptensor(x, dtype), pool_size=pool, strides=stride, padding=padding)
    np.testing.assert_allclose(np.asarray(y, dtype=np.float64),
                               np_pool1d(x, is_max, pool, pool if stride is None else stride, padding),
                               rtol=1e-6, atol=1e-6)


def test_avg_same_divides_by_the_elements_covered():
    x = pydl.tensor(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1))
    # TensorFlow: windows [1, 2], [2, 3], [3] (the padded zero is not counted)
    assert pydl.avg_pool1d(x, 2, strides=1, padding="same").reshape(-1).tolist() == [1.5, 2.5, 3.0]


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = pydl.ones((1, 4, 4, 1), dtype=pydl.float64)
    x.requires_grad = True
    pydl.max_pool2d(x).sum().backward()
    expect = np.zeros((4, 4))
    expect[::2, ::2] = 1
    assert np.asarray(x.grad)[0, :, :, 0].tolist() == expect.tolist()


def test_max_pool_propagates_nan():
    x = np.zeros((1, 2, 2, 2))
    x[0, 1, 0, 1] = np.nan
    y = np.asarray(pydl.max_pool2d(pydl.tensor(x)))
    assert y[0, 0, 0, 0] == 0 and np.isnan(y[0, 0, 0, 1])


# ---- gradients ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
@pytest.mark.parametrize("kw", [dict(pool_size=2), dict(pool_size=2, padding="same"),
                                dict(pool_size=3, strides=2, padding="same"), dict(pool_size=(2, 3), strides=1),
                                dict(pool_size=2, strides=3)], ids=str)
def test_pool2d_gradcheck(kw, is_max, rng):
    x = pydl.tensor(distinct(rng, (2, 5, 5, 2)), requires_grad=True)
    fn = pydl.max_pool2d if is_max else pydl.avg_pool2d
    assert gradcheck(lambda x: fn(x, **kw), [x])


@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
@pytest.mark.parametrize("kw", [dict(pool_size=2), dict(pool_size=3, strides=2, padding="same"),
                                dict(pool_size=2, strides=1, padding="same")], ids=str)
def test_pool1d_gradcheck(kw, is_max, rng):
    x = pydl.tensor(distinct(rng, (2, 7, 3)), requires_grad=True)
    fn = pydl.max_pool1d if is_max else pydl.avg_pool1d
    assert gradcheck(lambda x: fn(x, **kw), [x])


@pytest.mark.parametrize("name", ["global_max_pool1d", "global_avg_pool1d", "global_max_pool2d", "global_avg_pool2d"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pools(name, keepdims, rng):
    shape = (2, 5, 3) if name.endswith("1d") else (2, 4, 3, 3)
    x = distinct(rng, shape)
    axes = tuple(range(1, len(shape) - 1))
    ref = (x.max if "max" in name else x.mean)(axis=axes, keepdims=keepdims)
    y = getattr(pydl, name)(ptensor(x, "float32"), keepdims=keepdims)
    np.testing.assert_allclose(np.asarray(y), ref, rtol=1e-6, atol=1e-6)
    assert gradcheck(lambda t: getattr(pydl, name)(t, keepdims=keepdims), [ptensor(x, grad=True)])


def test_upsample2d(rng):
    x = rng.standard_normal((2, 3, 2, 3))
    y = pydl.upsample2d(ptensor(x, "float32"), size=(2, 3))
    np.testing.assert_array_equal(np.asarray(y), x.repeat(2, axis=1).repeat(3, axis=2).astype(np.float32))
    assert gradcheck(lambda t: pydl.upsample2d(t, 2), [ptensor(x, grad=True)])


@pytest.mark.parametrize("padding, pads", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                           (((0, 1), (2, 3)), ((0, 1), (2, 3)))])
def test_zero_pad2d(padding, pads, rng):
    x = rng.standard_normal((2, 3, 2, 2))
    y = pydl.zero_pad2d(ptensor(x), padding)
    np.testing.assert_array_equal(np.asarray(y), np.pad(x, ((0, 0),) + pads + ((0, 0),)))
    assert gradcheck(lambda t: pydl.zero_pad2d(t, padding), [ptensor(x, grad=True)])


# ---- larger shape: threads and several images ------------------------------------------------------------------
def test_pool_threads_and_channels_last_layout(rng, restore_threads):
    x = rng.standard_normal((8, 24, 24, 16)).astype(np.float32)
    g = rng.standard_normal((8, 12, 12, 16)).astype(np.float32)
    results = []
    for threads in (1, 2):
        pydl.set_num_threads(threads)
        px = pydl.tensor(x, requires_grad=True)
        y = pydl.max_pool2d(px)
        y.backward(pydl.tensor(g))
        results.append((np.asarray(y).copy(), np.asarray(px.grad).copy()))
    assert all(np.array_equal(a, b) for a, b in zip(*results))
    np.testing.assert_array_equal(results[0][0], x.reshape(8, 12, 2, 12, 2, 16).max(axis=(2, 4)))


# ---- bad inputs -----------------------------------------------------------------------------------------------
def test_pool_bad_inputs():
    x = pydl.zeros((1, 3, 3, 2))
    with pytest.raises(pydl.ShapeError, match=r"pool size \(4, 2\) is larger than the input of shape \(1, 3, 3, 2\)"):
        pydl.max_pool2d(x, (4, 2))
    assert pydl.max_pool2d(x, (4, 2), padding="same").shape == (1, 1, 2, 2)
    with pytest.raises(pydl.ShapeError, match=r"pool size 4 is larger than the input of shape \(1, 3, 2\)"):
        pydl.avg_pool1d(pydl.zeros((1, 3, 2)), 4)
    for bad in (0, -2):
        with pytest.raises(ValueError, match="strides must be positive"):
            pydl.max_pool2d(x, 2, strides=bad)
        with pytest.raises(ValueError, match="pool_size must be positive"):
            pydl.avg_pool2d(x, bad)
        with pytest.raises(ValueError, match="strides must be a positive"):
            pydl.max_pool1d(pydl.zeros((1, 3, 2)), 2, strides=bad)
    with pytest.raises(pydl.ShapeError, match="4-D input"):
        pydl.max_pool2d(pydl.zeros((3, 3, 2)))
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        pydl.avg_pool2d(x, padding="causal")
    with pytest.raises(ValueError, match="size must be positive"):
        pydl.upsample2d(x, 0)
    with pytest.raises(ValueError, match="padding must be non-negative"):
        pydl.zero_pad2d(x, -1)
    with pytest.raises(pydl.ShapeError, match="3-D input"):
        pydl.global_avg_pool1d(x)


# ---- PyTorch (optional) ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
def test_pool2d_matches_torch(is_max, rng):
    torch = pytest.importorskip("torch")
    x, g = distinct(rng, (2, 9, 8, 3)), rng.standard_normal((2, 4, 3, 3))
    px = pydl.tensor(x, requires_grad=True)
    (pydl.max_pool2d if is_max else pydl.avg_pool2d)(px, 3, strides=2).backward(pydl.tensor(g))
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    f = torch.nn.functional.max_pool2d if is_max else torch.nn.functional.avg_pool2d
    f(tx, 3, stride=2).backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(np.asarray(px.grad), tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)
