"""Keras 2's wrappers: `pydl.wrappers.scikit_learn.KerasClassifier` / `KerasRegressor` (needs scikit-learn)."""
__all__ = ["scikit_learn"]


def __getattr__(name):
    if name == "scikit_learn":
        import importlib
        return importlib.import_module(".scikit_learn", __name__)
    raise AttributeError(f"module 'pydl.wrappers' has no attribute '{name}'")
