"""MNIST digits, 28x28 uint8: load_data() -> (x_train (60000, 28, 28), y_train), (x_test (10000, 28, 28), y_test)."""
import numpy as np

from .files import KERAS_ORIGIN, get_file

SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def parse_npz(path):
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def load_data(path="mnist.npz"):
    """Keras's mnist.npz from the cache (PYDL_DATA_DIR or ~/.pydl/datasets), downloaded when missing."""
    return parse_npz(get_file(path, KERAS_ORIGIN + "mnist.npz", file_hash=SHA256))
