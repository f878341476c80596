"""The optimizer base class: learning rate (constant, Keras 2 `decay`, or a schedule), gradient clipping and the
per-parameter slots. Subclasses only describe their update rule (`_kind`, `_slot_names`, `_constants`); every
update runs as one fused C++ kernel per parameter, all parameters in one call."""
import math

import numpy as np

from .. import constraints, nn_ops, ops
from ..tensor import zeros
from . import sparse
from .schedules import LearningRateSchedule


class Optimizer:
    _kind = None
    _slot_names = ()
    _default_lr = 0.01

    def __init__(self, learning_rate=None, lr=None, decay=0.0, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, epsilon=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if learning_rate is not None and lr is not None:
            raise ValueError(f"{type(self).__name__}: give learning_rate or lr (the Keras 2 spelling), not both")
        value = learning_rate if learning_rate is not None else (lr if lr is not None else self._default_lr)
        self.learning_rate = value
        if decay < 0:
            raise ValueError(f"{type(self).__name__}: decay must be >= 0, got {decay!r}")
        for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            if v is not None and v <= 0:
                raise ValueError(f"{type(self).__name__}: {k} must be > 0, got {v!r}")
        self.decay = float(decay)
        self.initial_decay = self.decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.epsilon = 1e-7 if epsilon is None else float(epsilon)
        self.name = name or type(self).__name__
        self.iterations = 0
        self._slots = {}  # id(param) -> (param, [slot tensors])

    # ---- learning rate ----
    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or callable(value):
            self._lr = value
            return
        value = float(value)
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"{type(self).__name__}: learning rate must be a finite number >= 0, got {value!r}")
        self._lr = value

    lr = learning_rate  # Keras 2 spelling: optimizer.lr

    def current_learning_rate(self):
        """The rate for the next update: schedule(iterations), times 1 / (1 + decay * iterations) (Keras 2)."""
        lr = self._lr(self.iterations) if callable(self._lr) else self._lr
        if self.decay:
            lr = lr * (1.0 / (1.0 + self.decay * self.iterations))
        return float(lr)

    # ---- slots ----
    def _slots_for(self, p):
        entry = self._slots.get(id(p))
        if entry is None or entry[0] is not p:
            names = self._active_slots()
            entry = (p, [zeros(tuple(p.shape), dtype=p.dtype, device=p.device) for _ in names])
            self._slots[id(p)] = entry
        return entry[1]

    def _slot_tensors(self):
        """Every slot tensor (model.to(device) moves them with the weights)."""
        return [s for _, slots in self._slots.values() for s in slots]

    def _active_slots(self):
        return self._slot_names

    def get_slot(self, param, name):
        names = list(self._active_slots())
        if name not in names:
            raise KeyError(f"{type(self).__name__} has no slot '{name}' (slots: {', '.join(names) or 'none'})")
        return self._slots_for(param)[names.index(name)]

    # ---- the rule ----
    def _constants(self, lr, t):
        """(lr, beta1, beta2, c-list) passed to the kernel for update number t (1-based)."""
        return lr, 0.0, 0.0, ()

    def _kernel_kwargs(self):
        return {}

    def _prepare(self):
        lr = self.current_learning_rate()
        t = self.iterations + 1
        lr_k, b1, b2, c = self._constants(lr, t)
        return dict(lr=lr_k, beta1=b1, beta2=b2, eps=self.epsilon, c=c, clipnorm=self.clipnorm or 0.0,
                    clipvalue=self.clipvalue or 0.0, **self._kernel_kwargs())

    def _global_clip(self, params, grads):
        if not self.global_clipnorm:
            return grads
        if grads is None:
            grads = [p.grad for p in params]
        total = math.sqrt(sum(float(ops.sum(ops.square(g))) for g in grads if g is not None))
        if total <= self.global_clipnorm:
            return grads
        scale = self.global_clipnorm / total
        return [None if g is None else g * scale for g in grads]

    def apply_gradients(self, grads_and_vars):
        """Updates each variable from its gradient (pairs (grad, var), like Keras); one C++ call for all."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            return 0
        grads, params = [g for g, _ in pairs], [v for _, v in pairs]
        grads = self._global_clip(params, grads)
        params, grads, lazy = sparse.split(self, params, grads)  # embedding tables: only the rows looked up
        slots = [self._slots_for(p) for p in params]
        n = nn_ops.optim_update(self._kind, params, grads, slots, **self._prepare()) if params else 0
        constraints.apply([v for _, v in pairs])  # kernel_constraint & co. project the updated weights, as in Keras
        self._finish_step()
        return n + lazy

    def apply_to(self, params, clear_grad=True):
        """Updates `params` from their .grad (skipping those without) and clears the grads: fit()'s fast path."""
        constrained = list(params)  # sparse.split narrows params to the dense ones
        grads = self._global_clip(params, None) if self.global_clipnorm else None
        params, grads, lazy = sparse.split(self, params, grads, clear_grad)
        slots = [self._slots_for(p) for p in params]
        n = nn_ops.optim_update(self._kind, params, grads, slots, clear_grad=clear_grad, **self._prepare()) \
            if params else 0
        constraints.apply(constrained)
        self._finish_step()
        return n + lazy

    def update_step(self, gradient, variable):
        """One update of one variable (does not advance `iterations`; apply_gradients does)."""
        nn_ops.optim_update(self._kind, [variable], [gradient], [self._slots_for(variable)], **self._prepare())

    def _finish_step(self):
        self.iterations += 1

    def minimize(self, loss_fn, var_list):
        """Computes loss_fn(), backpropagates, and applies one update to var_list."""
        for v in var_list:
            v.grad = None
        loss = loss_fn()
        loss.backward()
        self.apply_to(list(var_list))
        return loss

    # ---- state and config ----
    def get_weights(self):
        """[iterations] + every slot, in the order parameters were first updated."""
        out = [np.array(self.iterations, dtype=np.int64)]
        for p, slots in self._slots.values():
            out += [np.array(s, copy=True) for s in slots]
        return out

    def get_config(self):
        lr = self._lr
        config = {"name": self.name, "learning_rate": lr.get_config() | {"class_name": type(lr).__name__}
                  if isinstance(lr, LearningRateSchedule) else lr, "decay": self.decay, "epsilon": self.epsilon}
        for k in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, k) is not None:
                config[k] = getattr(self, k)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from ..utils.registry import lookup
            lr = dict(lr)
            config["learning_rate"] = lookup("schedule", lr.pop("class_name")).from_config(lr)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} lr={self._lr!r} iterations={self.iterations}>"

