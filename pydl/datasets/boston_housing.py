"""Boston housing prices: load_data() -> (x_train (404, 13), y_train), (x_test (102, 13), y_test)."""
import numpy as np

from .files import KERAS_ORIGIN, get_file

MD5 = "f553887a1f8d56fa1e12b623d081491e"  # the digest Keras publishes for this file


def split(x, y, test_split=0.2, seed=113):
    """Keras's split: shuffle with RandomState(seed), the first 1 - test_split for training."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split!r}")
    idx = np.arange(len(x))
    np.random.RandomState(seed).shuffle(idx)
    x, y = x[idx], y[idx]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))


def parse_npz(path, test_split=0.2, seed=113):
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return split(x, y, test_split, seed)


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    return parse_npz(get_file(path, KERAS_ORIGIN + "boston_housing.npz", file_hash=MD5), test_split, seed)
