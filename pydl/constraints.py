"""Weight constraints (Keras 2's `keras.constraints`): projections applied to a weight after every optimizer update.

`Dense(64, kernel_constraint=MaxNorm(2))` keeps each unit's incoming weight vector within norm 2. The optimizer
projects every constrained weight right after its update (Optimizer.apply_to / apply_gradients), as Keras does;
a constraint is a callable weight -> weight built from pydl ops, so it runs on the weight's device.
"""
import weakref

from . import ops
from .autograd import no_grad
from .utils.registry import Configurable, define as _define, deserialize as _deserialize, register, resolve as _resolve, \
    serialize as _serialize

_EPS = 1e-7  # Keras's epsilon: a zero column stays zero instead of becoming NaN


class Constraint(Configurable):
    """Base class: `__call__(w)` returns the projected weight."""

    def __call__(self, w):
        return w


def _axis(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else int(axis)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


@register("constraint")
class MaxNorm(Constraint):
    """Rescales each slice along `axis` (Dense: each unit's incoming weights) whose L2 norm exceeds max_value."""

    def __init__(self, max_value=2, axis=0):
        if max_value < 0:
            raise ValueError(f"MaxNorm: max_value must be >= 0, got {max_value!r}")
        self.max_value, self.axis = float(max_value), _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (ops.clip(norms, 0.0, self.max_value) / (norms + _EPS))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@register("constraint")
class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return ops.relu(w)


@register("constraint")
class UnitNorm(Constraint):
    """Scales each slice along `axis` to L2 norm 1."""

    def __init__(self, axis=0):
        self.axis = _axis(axis)

    def __call__(self, w):
        return w / (_norms(w, self.axis) + _EPS)

    def get_config(self):
        return {"axis": self.axis}


@register("constraint")
class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm into [min_value, max_value]; rate < 1 moves it only that fraction of the way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        if not 0 <= min_value <= max_value:
            raise ValueError(f"MinMaxNorm: need 0 <= min_value <= max_value, got {min_value!r}, {max_value!r}")
        if not 0 <= rate <= 1:
            raise ValueError(f"MinMaxNorm: rate must be in [0, 1], got {rate!r}")
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), \
            _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * ops.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (norms + _EPS))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm  # Keras 2's aliases

_define("constraint", "constraint", {"max_norm": MaxNorm, "non_neg": non_neg, "unit_norm": UnitNorm,
                                     "min_max_norm": MinMaxNorm, "MaxNorm": MaxNorm, "NonNeg": NonNeg,
                                     "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm},
        accepts_none=True, make=True, instances=(Constraint,), classes=True, dicts=lambda spec: deserialize(spec),
        callables=True, type_error="cannot interpret {!r} as a constraint")


def get(identifier):
    """A constraint from None, a name ('max_norm', 'non_neg', 'unit_norm', 'min_max_norm'), a config dict, a
    Constraint or any callable weight -> weight."""
    return _resolve("constraint", identifier)


def serialize(constraint):
    return _serialize(constraint)


def deserialize(config, custom_objects=None):
    return _deserialize("constraint", config, custom_objects)


# ---- applying them: the optimizer calls apply(params) after each update ----
_ATTACHED = {}  # id(weight tensor) -> (weakref to it, constraint); the entry goes when the tensor does


def attach(tensor, constraint):
    """Makes the optimizer project `tensor` with `constraint` after each update (Layer.add_weight calls this)."""
    if constraint is None:
        return
    key = id(tensor)
    _ATTACHED[key] = (weakref.ref(tensor, lambda _, k=key: _ATTACHED.pop(k, None)), constraint)


def apply(params):
    """Projects every constrained tensor of `params` in place (without recording gradients)."""
    if not _ATTACHED:
        return
    with no_grad():
        for p in params:
            entry = _ATTACHED.get(id(p))
            if entry is not None and entry[0]() is p:
                p[...] = entry[1](p)


__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg", "unit_norm",
           "min_max_norm", "get", "serialize", "deserialize"]
