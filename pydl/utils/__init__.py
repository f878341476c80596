"""Utilities: to_categorical, seeding, the class registry used by saving, progress bars."""
from .data_utils import Sequence
from .np_utils import normalize, to_categorical
from .seeding import clear_session, set_random_seed

__all__ = ["Sequence", "to_categorical", "normalize", "set_random_seed", "clear_session"]
