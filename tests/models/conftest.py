import numpy as np
import pytest


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1], split 1400 / 397 with a fixed permutation."""
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    x = (d.data / 16.0).astype("float32")
    idx = np.random.RandomState(0).permutation(len(x))
    x, y = x[idx], d.target[idx]
    return x[:1400], y[:1400], x[1400:], y[1400:]
