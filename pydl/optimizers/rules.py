"""The update rules (Keras 2 defaults and formulas). Each says which slots it keeps and which constants its fused
kernel needs; csrc/cpu/optim.cpp holds the arithmetic and csrc/ops/ops.h (OptimStep) the formulas."""
import math

from .. import nn_ops
from ..utils.registry import register
from .optimizer import Optimizer


def _beta(cls, name, v):
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{cls}: {name} must be in [0, 1), got {v!r}")
    return float(v)


@register("optimizer")
class SGD(Optimizer):
    """p -= lr * g; with momentum m: v = m * v - lr * g, p += v (nesterov: p += m * v - lr * g)."""

    _kind = nn_ops.OptimKind.SGD
    _default_lr = 0.01
    # sparse.py: a zero gradient leaves p unchanged, so only looked-up rows need updating (read from this exact
    # class only: a subclass may change the rule)
    _lazy_rows_exact = staticmethod(lambda opt: opt.momentum == 0)

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, lr=None, **kwargs):
        super().__init__(learning_rate=learning_rate, lr=lr, **kwargs)
        if momentum < 0:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum!r}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _active_slots(self):
        return ("momentum",) if self.momentum > 0 else ()

    def _constants(self, lr, t):
        return lr, self.momentum, 0.0, ()

    def _kernel_kwargs(self):
        return {"nesterov": self.nesterov}

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)


@register("optimizer")
class Adagrad(Optimizer):
    """a += g**2; p -= lr * g / (sqrt(a) + epsilon)."""

    _kind = nn_ops.OptimKind.Adagrad
    _slot_names = ("accumulator",)
    _default_lr = 0.01
    _lazy_rows_exact = staticmethod(lambda opt: opt.epsilon > 0)  # see SGD


@register("optimizer")
class Adadelta(Optimizer):
    """a = rho a + (1 - rho) g**2; u = g sqrt(d + eps) / sqrt(a + eps); p -= lr u; d = rho d + (1 - rho) u**2."""

    _kind = nn_ops.OptimKind.Adadelta
    _slot_names = ("accumulator", "delta_accumulator")
    _default_lr = 1.0

    def __init__(self, learning_rate=None, rho=0.95, lr=None, **kwargs):
        super().__init__(learning_rate=learning_rate, lr=lr, **kwargs)
        self.rho = _beta("Adadelta", "rho", rho)

    def _constants(self, lr, t):
        return lr, self.rho, 0.0, ()

    def get_config(self):
        return dict(super().get_config(), rho=self.rho)


@register("optimizer")
class RMSprop(Optimizer):
    """a = rho a + (1 - rho) g**2; p -= lr * g / (sqrt(a) + epsilon)."""

    _kind = nn_ops.OptimKind.RMSprop
    _slot_names = ("accumulator",)
    _default_lr = 0.001

    def __init__(self, learning_rate=None, rho=0.9, lr=None, **kwargs):
        super().__init__(learning_rate=learning_rate, lr=lr, **kwargs)
        self.rho = _beta("RMSprop", "rho", rho)

    def _constants(self, lr, t):
        return lr, self.rho, 0.0, ()

    def get_config(self):
        return dict(super().get_config(), rho=self.rho)


@register("optimizer")
class Adam(Optimizer):
    """m, v moving averages of g and g**2; p -= lr_t m / (sqrt(v) + eps), lr_t = lr sqrt(1 - b2^t) / (1 - b1^t).
    amsgrad uses the running maximum of v."""

    _kind = nn_ops.OptimKind.Adam
    _default_lr = 0.001

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, amsgrad=False, lr=None, **kwargs):
        super().__init__(learning_rate=learning_rate, lr=lr, **kwargs)
        self.beta_1, self.beta_2 = _beta("Adam", "beta_1", beta_1), _beta("Adam", "beta_2", beta_2)
        self.amsgrad = bool(amsgrad)

    def _active_slots(self):
        return ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _constants(self, lr, t):
        lr_t = lr * (math.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t))
        return lr_t, self.beta_1, self.beta_2, ()

    def _kernel_kwargs(self):
        return {"amsgrad": self.amsgrad}

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2, amsgrad=self.amsgrad)


@register("optimizer")
class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras 2's momentum schedule (schedule_decay)."""

    _kind = nn_ops.OptimKind.Nadam
    _slot_names = ("m", "v")
    _default_lr = 0.002

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, schedule_decay=0.004, lr=None, **kwargs):
        super().__init__(learning_rate=learning_rate, lr=lr, **kwargs)
        self.beta_1, self.beta_2 = _beta("Nadam", "beta_1", beta_1), _beta("Nadam", "beta_2", beta_2)
        self.schedule_decay = float(schedule_decay)
        self.m_schedule = 1.0

    def _cache(self, t):
        return self.beta_1 * (1.0 - 0.5 * (0.96 ** (t * self.schedule_decay)))

    def _constants(self, lr, t):
        mc_t, mc_t1 = self._cache(t), self._cache(t + 1)
        m_new = self.m_schedule * mc_t
        m_next = m_new * mc_t1
        self._pending = m_new
        c = (1.0 - m_new, 1.0 - m_next, 1.0 - self.beta_2 ** t, 1.0 - mc_t, mc_t1)
        return lr, self.beta_1, self.beta_2, c

    def _finish_step(self):
        self.m_schedule = self._pending
        super()._finish_step()

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    schedule_decay=self.schedule_decay)
