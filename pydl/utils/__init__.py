"""Utilities: to_categorical, seeding, learning-curve plots, plot_model, the class registry used by saving, progress bars."""
from .data_utils import Sequence
from .np_utils import normalize, to_categorical
from .plotting import plot_history
from .seeding import clear_session, set_random_seed
from .vis_utils import model_to_dot, plot_model

__all__ = ["Sequence", "to_categorical", "normalize", "plot_history", "set_random_seed", "clear_session", "plot_model",
           "model_to_dot"]
