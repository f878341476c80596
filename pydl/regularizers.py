"""Weight and activity regularizers: penalties added to the training loss (Keras 2 defaults: 0.01)."""
from . import ops
from .utils.registry import Configurable, define as _define, deserialize as _deserialize, register, resolve as _resolve, \
    serialize as _serialize


@register("regularizer")
class L1L2(Configurable):
    """l1 * sum(|x|) + l2 * sum(x**2)."""

    def __init__(self, l1=0.0, l2=0.0):
        for name, v in (("l1", l1), ("l2", l2)):
            if v < 0:
                raise ValueError(f"{name} regularization factor must be >= 0, got {v!r}")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = None
        if self.l1:
            total = self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            term = self.l2 * ops.sum(ops.square(x))
            total = term if total is None else total + term
        return total if total is not None else ops.sum(x) * 0.0

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


Regularizer = L1L2


def l1(l=0.01):  # noqa: E741  (Keras's argument name)
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


_define("regularizer", "regularizer", {"l1": l1, "l2": l2, "l1_l2": l1_l2}, accepts_none=True, make=True,
        dicts=lambda spec: deserialize(spec), type_error="cannot interpret {!r} as a regularizer")


def get(identifier):
    """A regularizer from a name ('l1', 'l2', 'l1_l2') with default factors, a config dict or a callable."""
    return _resolve("regularizer", identifier)


def serialize(reg):
    if isinstance(reg, L1L2):
        return _serialize(reg)
    raise ValueError(f"cannot serialize regularizer {reg!r}; use pydl.regularizers.L1L2")


def deserialize(config, custom_objects=None):
    return _deserialize("regularizer", config, custom_objects)


__all__ = ["L1L2", "Regularizer", "l1", "l2", "l1_l2", "get", "serialize", "deserialize"]
