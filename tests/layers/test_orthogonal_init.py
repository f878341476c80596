"""initializers.Orthogonal: QR of a normal sample with R's diagonal signs folded into Q (Haar-distributed)."""
import numpy as np
import pytest

from pydl import initializers


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (2, 3, 4), (3, 2, 8)])
def test_orthonormal_rows_or_columns_times_gain(shape):
    a = np.asarray(initializers.Orthogonal(gain=2.0, seed=1)(shape), dtype=np.float64)
    assert a.shape == shape
    m = a.reshape(-1, shape[-1]) / 2.0
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(m.shape)), atol=1e-6)


def test_same_seed_same_values_other_seed_differs():
    one = np.asarray(initializers.Orthogonal(seed=7)((8, 32)))
    np.testing.assert_array_equal(one, np.asarray(initializers.Orthogonal(seed=7)((8, 32))))
    assert not np.allclose(one, np.asarray(initializers.Orthogonal(seed=8)((8, 32))))


@pytest.mark.parametrize("shape", [(4, 4), (3, 5)])
def test_signs_are_haar_not_fixed_by_householder(shape):
    # LAPACK's Householder QR makes R's diagonal negative for a positive leading entry, so an uncorrected Q[0, 0] is
    # never positive; under the Haar measure it is symmetric about 0.
    first = np.array([np.asarray(initializers.Orthogonal(seed=s)(shape))[0, 0] for s in range(300)])
    assert 0.35 < np.mean(first > 0) < 0.65
    assert abs(first.mean()) < 0.1
