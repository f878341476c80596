"""scikit-learn estimators around a function that builds a compiled pydl model (Keras 2's
`keras.wrappers.scikit_learn`), so GridSearchCV, RandomizedSearchCV and cross_val_score tune and score pydl models.

`KerasClassifier(build_fn, **sk_params)`: sk_params holds both build_fn's arguments and fit/predict arguments
(epochs, batch_size, verbose, ...); each call passes on the ones its target accepts. Grid search sets them with
set_params, and sklearn.clone copies them. Every fit builds a fresh model, as Keras 2 does.

>>> from sklearn.model_selection import cross_val_score
>>> def build(hidden=16):
...     m = pydl.Sequential([pydl.layers.Dense(hidden, activation='relu', input_shape=(64,)),
...                          pydl.layers.Dense(10, activation='softmax')])
...     m.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
...     return m
>>> clf = KerasClassifier(build, hidden=32, epochs=5, verbose=0)
"""
import copy
import inspect
import types

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError("pydl.wrappers.scikit_learn needs scikit-learn: pip install scikit-learn "
                      "(or pip install 'pydl-core[keras]')") from None

from .. import losses
from ..models import Sequential
from ..models import Model as _TrainingModel
from ..utils.np_utils import to_categorical


def _accepted(fn, params, named_only=False):
    """The entries of params that fn's signature names (all of them when fn takes **kwargs, unless named_only)."""
    sig = inspect.signature(fn)
    if not named_only and any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return dict(params)
    return {k: v for k, v in params.items() if k in sig.parameters}


class _KerasWrapper(BaseEstimator):
    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self._check_params(sk_params)

    def _targets(self):
        if self.build_fn is None:
            return [self.__call__]
        if isinstance(self.build_fn, (types.FunctionType, types.MethodType)) or not callable(self.build_fn):
            return [self.build_fn]
        return [self.build_fn.__call__]

    def _check_params(self, params):
        """Every sk_param must be an argument of build_fn or of fit/predict/evaluate (a typo fails early)."""
        legal = [Sequential.fit, Sequential.predict, Sequential.evaluate] + self._targets()
        for name in params:
            if not any(name in inspect.signature(fn).parameters for fn in legal):
                raise ValueError(f"{type(self).__name__}: {name!r} is not an argument of build_fn or of the "
                                 "model's fit/predict/evaluate")

    def get_params(self, deep=True):
        return dict(self.sk_params, build_fn=self.build_fn)

    def set_params(self, **params):
        self._check_params({k: v for k, v in params.items() if k != "build_fn"})
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.sk_params.update(params)
        return self

    def _build(self, **overrides):
        params = dict(self.sk_params, **overrides)
        fn = self.build_fn if self.build_fn is not None else self.__call__
        model = fn(**_accepted(fn, params))
        if not isinstance(model, _TrainingModel):
            raise TypeError(f"build_fn must return a compiled pydl model, got {type(model).__name__}")
        return model

    def _call(self, method, *args, **kwargs):
        fn = getattr(self.model, method)
        return fn(*args, **dict(_accepted(fn, self.sk_params, named_only=True), **kwargs))

    def fit(self, x, y, **kwargs):
        """Builds a fresh model with build_fn and trains it; returns the History (Keras 2 behaviour)."""
        self.model = self._build()
        y = self._fit_targets(np.asarray(y))
        history = self._call("fit", np.asarray(x), y, **kwargs)
        return history

    def __sklearn_clone__(self):
        return type(self)(build_fn=self.build_fn, **copy.deepcopy(self.sk_params))


class KerasClassifier(ClassifierMixin, _KerasWrapper):
    """A classifier: labels may be any values (kept in classes_), integers or one-hot rows."""

    def _fit_targets(self, y):
        if y.ndim == 2 and y.shape[1] > 1:  # one-hot rows
            self.classes_ = np.arange(y.shape[1])
            idx = y.argmax(1)
        else:
            self.classes_, idx = np.unique(y.reshape(-1), return_inverse=True)
        self.n_classes_ = len(self.classes_)
        return self._targets_for_loss(idx)

    def _targets_for_loss(self, idx):
        """One-hot rows for a categorical cross-entropy model, class indices for any other loss."""
        fns = getattr(self.model, "loss_functions", None) or [None]
        one_hot = fns[0] is not None and losses.canonical(fns[0]) is losses.categorical_crossentropy
        return to_categorical(idx, self.n_classes_) if one_hot else idx

    def predict_proba(self, x, **kwargs):
        """Class probabilities, (n, n_classes); a single sigmoid output becomes two columns [1 - p, p]."""
        p = np.asarray(self._call("predict", np.asarray(x), **kwargs))
        return np.hstack([1 - p, p]) if p.ndim == 2 and p.shape[1] == 1 else p

    def predict(self, x, **kwargs):
        p = self.predict_proba(x, **kwargs)
        return self.classes_[p.argmax(axis=-1)]

    def score(self, x, y, sample_weight=None, **kwargs):
        """The model's accuracy on (x, y), from evaluate (the model must be compiled with metrics=['accuracy'])."""
        y = np.asarray(y)
        idx = y.argmax(1) if y.ndim == 2 and y.shape[1] > 1 else np.searchsorted(self.classes_, y.reshape(-1))
        target = self._targets_for_loss(idx)
        outputs = self._call("evaluate", np.asarray(x), target, sample_weight=sample_weight, **kwargs)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        for name, value in zip(self.model.metrics_names, outputs):
            if name in ("accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy"):
                return float(value)
        raise ValueError("KerasClassifier.score needs the model compiled with metrics=['accuracy']; it has "
                         f"{self.model.metrics_names}")


class KerasRegressor(RegressorMixin, _KerasWrapper):
    """A regressor: predict returns the model's outputs (one column squeezed away); score is minus the loss."""

    def _fit_targets(self, y):
        return y

    def predict(self, x, **kwargs):
        p = np.asarray(self._call("predict", np.asarray(x), **kwargs))
        return p.reshape(-1) if p.ndim == 2 and p.shape[1] == 1 else p

    def score(self, x, y, sample_weight=None, **kwargs):
        outputs = self._call("evaluate", np.asarray(x), np.asarray(y), sample_weight=sample_weight, **kwargs)
        loss = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
        return -float(loss)


__all__ = ["KerasClassifier", "KerasRegressor"]
