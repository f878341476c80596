"""The fused dropout op: values against its definition, the keep rate, reproducibility (seed, threads, layout),
gradients, and bad inputs."""
import numpy as np
import pytest

import pydl
from pydl.autograd import gradcheck
from pydl.nn_ops import dropout

SHAPES = [(0,), (1,), (7,), (3, 5), (2, 3, 17), (64, 129)]


def run(x, rate, seed=7):
    pydl.manual_seed(seed)
    return np.asarray(dropout(pydl.tensor(x) if isinstance(x, np.ndarray) else x, rate))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rate", [0.0, 0.25, 0.5, 0.9])
def test_values_are_zero_or_scaled_input(shape, dtype, rate):
    x = np.random.default_rng(0).uniform(0.5, 2.0, shape).astype(dtype)  # never zero: y == 0 marks a drop
    y = run(x, rate)
    assert y.shape == x.shape and y.dtype == x.dtype
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept].astype(np.float64) / (1 - rate), rtol=1e-6)
    if rate == 0.0:
        assert kept.all()


@pytest.mark.parametrize("rate", [0.1, 0.25, 0.5, 0.8])
def test_keep_fraction_is_binomial(rate):
    n = 200_003
    kept = (run(np.ones(n, np.float32), rate) != 0).mean()
    sigma = np.sqrt(rate * (1 - rate) / n)
    assert abs(kept - (1 - rate)) < 5 * sigma


def test_same_seed_same_mask_at_any_thread_count_and_layout():
    x = np.random.default_rng(1).uniform(1, 2, (300, 301)).astype(np.float32)
    old = pydl.get_num_threads()
    try:
        pydl.set_num_threads(1)
        one = run(x, 0.5)
        pydl.set_num_threads(2)
        two = run(x, 0.5)
    finally:
        pydl.set_num_threads(old)
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(run(x, 0.5, seed=8), one)
    # A non-contiguous view drops the same positions (in its logical order) as its contiguous copy.
    t = pydl.tensor(np.ascontiguousarray(x.T)).transpose(0, 1)  # logical shape (300, 301), transposed strides
    np.testing.assert_array_equal(run(t, 0.5), one)
    # Consecutive calls continue the generator: two draws differ.
    pydl.manual_seed(3)
    a, b = np.asarray(dropout(pydl.tensor(x), 0.5)), np.asarray(dropout(pydl.tensor(x), 0.5))
    assert not np.array_equal(a != 0, b != 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backward_applies_the_forward_mask(dtype):
    x = pydl.tensor(np.random.default_rng(2).uniform(1, 2, (33, 9)).astype(dtype), requires_grad=True)
    pydl.manual_seed(5)
    y = dropout(x, 0.3)
    g = np.random.default_rng(3).normal(size=(33, 9)).astype(dtype)
    y.backward(pydl.tensor(g))
    kept = np.asarray(y.detach()) != 0
    np.testing.assert_allclose(np.asarray(x.grad), np.where(kept, g / 0.7, 0), rtol=1e-6)


def test_gradcheck_float64():
    x = pydl.tensor(np.random.default_rng(4).normal(size=(4, 7)), requires_grad=True)

    def fn(a):
        pydl.manual_seed(11)  # the same mask on every evaluation, as finite differences need
        return dropout(a, 0.4)

    assert gradcheck(fn, [x])


def test_bad_inputs():
    with pytest.raises(ValueError, match="rate must be in \\[0, 1\\), got 1"):
        dropout(pydl.ones(3), 1.0)
    with pytest.raises(ValueError, match="got -0.1"):
        dropout(pydl.ones(3), -0.1)
    with pytest.raises(TypeError, match="int64"):
        dropout(pydl.tensor(np.arange(3)), 0.5)


def test_dropout_layer_uses_the_seeded_mask():
    layer = pydl.layers.Dropout(0.5)
    x = pydl.tensor(np.ones((8, 16), np.float32))
    pydl.manual_seed(9)
    a = np.asarray(layer(x, training=True))
    pydl.manual_seed(9)
    np.testing.assert_array_equal(a, np.asarray(dropout(x, 0.5)))
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), np.ones((8, 16), np.float32))
