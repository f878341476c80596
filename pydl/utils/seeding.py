"""Reproducibility and session state."""
import random

import numpy as np


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global generator (used for shuffling) and pydl's C++ generator."""
    from .. import manual_seed
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    manual_seed(int(seed))


def clear_session():
    """Restarts automatic layer names (dense_1, ...) as in a fresh process, like keras.backend.clear_session."""
    from ..layers.base import reset_names
    reset_names()
