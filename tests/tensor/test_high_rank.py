"""Tensors of more dimensions than a shape keeps inline (csrc/core/dims.h keeps 6 in the object, more on the
heap): views, reductions, broadcasting, gradients and NumPy round trips agree with NumPy at ranks 6 to 9."""
import numpy as np
import pytest

import pydl
from pydl import ops


@pytest.mark.parametrize("rank", [6, 7, 9])
def test_high_rank_ops_match_numpy(rank):
    rng = np.random.default_rng(rank)
    shape = tuple(int(s) for s in rng.integers(1, 4, rank))
    a = rng.standard_normal(shape)
    t = pydl.tensor(a, requires_grad=True)
    assert tuple(t.shape) == shape
    perm = tuple(rng.permutation(rank))
    np.testing.assert_array_equal(ops.transpose(t, perm).numpy(), np.transpose(a, perm))
    np.testing.assert_array_equal(t.reshape((-1,)).numpy(), a.reshape(-1))
    axes = (0, rank - 1, rank // 2)
    np.testing.assert_allclose(ops.sum(t, axis=axes).numpy(), a.sum(axis=axes), rtol=1e-12)
    b = rng.standard_normal((1,) * (rank - 1) + (shape[-1],))
    np.testing.assert_allclose((t * pydl.tensor(b)).numpy(), a * b, rtol=1e-12)
    (ops.transpose(t, perm) * 2.0).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.full(shape, 2.0))
    view = t.detach()[(slice(None, None, -1),) + (0,) * (rank - 2)]
    np.testing.assert_array_equal(view.numpy(), a[(slice(None, None, -1),) + (0,) * (rank - 2)])


def test_rank_grows_past_inline_capacity_through_expand_dims():
    t = pydl.tensor(np.arange(6.0).reshape(2, 3))
    for _ in range(6):  # 2 -> 8 dims, one axis at a time
        t = ops.expand_dims(t, 0)
    assert tuple(t.shape) == (1,) * 6 + (2, 3)
    np.testing.assert_array_equal(t.numpy().reshape(2, 3), np.arange(6.0).reshape(2, 3))
