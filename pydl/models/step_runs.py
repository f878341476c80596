"""Runs of training steps replayed back to back in C++ (csrc/autograd/plan_train.cpp): for in-memory arrays, once a
full batch's step plan is recorded, fit() hands whole runs of batches to C++ (the batch gather, the replay, the
optimizer's fused update) and gets their losses and metrics back, instead of calling into C++ a dozen times per
batch from Python. The results are those of the step-by-step path bit for bit: same batches in the same order, same
plan, same update constants (computed here, per step, by the optimizer itself).

A run needs: plans on; no sample or class weights; an optimizer with a fused rule, no global clipnorm and pydl's own
apply_to (not a wrapper's that does more); no weight constraints; and callbacks that only read the batch logs (the progress bar, TensorBoard), which then receive each
batch's logs after the run. Otherwise fit() steps batch by batch.
"""
import time

import numpy as np

from ..autograd import StepPlan, train_steps
from ..callbacks.base import Callback
from ..optimizers.optimizer import Optimizer
from . import plans

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")


def callbacks_allow(callbacks):
    """True when every callback either ignores batches or only reads their logs (`batch_logs_only`)."""
    for cb in callbacks:
        if vars(type(cb)).get("batch_logs_only", False):  # declared by the class itself, not inherited by a subclass
            continue
        own = getattr(cb, "__dict__", {})
        if any(h in own or getattr(type(cb), h) is not getattr(Callback, h) for h in _BATCH_HOOKS):
            return False
    return True


class Runner:
    """Replays runs of full batches of one epoch for `model` (None from create() when the model cannot)."""

    @classmethod
    def create(cls, model, xs, ys, sws, batch_size):
        opt = model.optimizer
        # an optimizer whose apply_to does more than the fused update (a distributed one averages gradients first)
        # keeps the per-step path, which calls it
        if not plans.enabled(model) or any(w is not None for w in sws) or getattr(opt, "_kind", None) is None \
                or getattr(type(opt), "apply_to", None) is not Optimizer.apply_to \
                or getattr(opt, "global_clipnorm", None) or len(xs[0]) < batch_size \
                or any(getattr(w, "constraint", None) is not None for w in model._weight_records()):
            return None
        return cls(model, xs, ys, batch_size)

    def __init__(self, model, xs, ys, batch_size):
        self.model, self.batch_size, self.arrays = model, batch_size, list(xs) + list(ys)
        self.data = self.key = None  # made at the first run: fit may never use one (a batch callback)
        self.run_len = 16

    def plan(self):
        if self.key is None:
            dtypes = [self.model._on_device(np.asarray(a[:1])).dtype for a in self.arrays]
            shapes = tuple(((self.batch_size,) + tuple(a.shape[1:]), d) for a, d in zip(self.arrays, dtypes))
            self.key = (("train", ()), self.model._device, shapes)
        plan = (self.model.__dict__.get("_plans") or {}).get(self.key)
        return plan if isinstance(plan, StepPlan) and plan.usable else None

    def epoch(self, sels):
        """Yields, for the epoch's batch selections `sels`, either a selection (step it from Python) or a callable
        that replays a run of full batches and returns [(size, outputs)] per batch."""
        self.data = None
        order = np.concatenate([np.arange(s.start, s.stop) if isinstance(s, slice) else np.asarray(s) for s in sels])
        order = order.astype(np.int64)
        # batch i can be replayed when it is full and starts at i * batch_size of `order` (all before it are full)
        sizes = [s.stop - s.start if isinstance(s, slice) else len(s) for s in sels]
        full = 0
        while full < len(sizes) and sizes[full] == self.batch_size:
            full += 1
        i = 0
        while i < len(sels):
            plan = self.plan() if i < full else None
            if plan is None:
                yield sels[i]
                i += 1
                continue
            k = min(self.run_len, full - i)
            yield lambda plan=plan, i=i, k=k: self._run(plan, order, i, k)
            i += k

    def _run(self, plan, order, first, count):
        model, opt = self.model, self.model.optimizer
        if self.data is None:  # once per epoch (on CPU, views: arrays changed between epochs are seen)
            self.data = [model._on_device(np.asarray(a)) for a in self.arrays]
        model._sync_requires_grad()
        params = model._collected_trainable_weights
        slots = [opt._slots_for(p) for p in params]
        saved = dict(opt.__dict__)
        consts = []
        for _ in range(count):  # the constants of each update, as apply_to would compute them
            consts.append(opt._prepare())
            opt._finish_step()
        c0 = consts[0]
        start = time.perf_counter()
        try:
            vals = train_steps(plan, self.data, order, self.batch_size, first, opt._kind, [c["lr"] for c in consts],
                               [c["beta1"] for c in consts], [c["beta2"] for c in consts], c0["eps"],
                               [list(c["c"]) for c in consts], bool(c0.get("nesterov", False)),
                               bool(c0.get("amsgrad", False)), c0["clipnorm"], c0["clipvalue"], params, slots)
        except BaseException:
            opt.__dict__.update(saved)
            raise
        # longer runs while a run is quick (fewer returns to Python), shorter ones for a responsive progress bar
        took = time.perf_counter() - start
        self.run_len = min(self.run_len * 2, 1024) if took < 0.05 else max(self.run_len // 2, 1)
        n_out = len(vals) // count
        return [(self.batch_size, vals[j * n_out:(j + 1) * n_out]) for j in range(count)]

