"""One training, test or prediction step of a compiled functional model, on one batch.

A training step: forward through the graph (the output layer's softmax or sigmoid folded into the loss when
possible), the weighted loss plus regularization penalties, backward in C++, the metrics; then one C++ call that
updates every trainable parameter with the optimizer's fused kernel and clears its gradient. Everything before the
update is one function of the batch's tensors, recorded once per input shape and replayed from C++ (plans.py).
"""
import numpy as np

from .. import losses as losses_mod, metrics as metrics_mod, ops
from ..autograd import no_grad
from ..layers import base as layer_base
from . import plans

grad_owner = [None]  # the compiled model whose trainable set the weights' requires_grad flags reflect


class StepsMixin:
    _use_fused = True

    def _sync_requires_grad(self):
        if grad_owner[0] is self:
            return
        for w in self.weights:
            want = id(w) in self._compiled_trainable
            if w.requires_grad != want:
                w.requires_grad = want
        grad_owner[0] = self

    # ---- the batch as tensors ----
    def _step_inputs(self, xs, ys, sws):
        """The step's tensors, flat: inputs, targets, then per weighted output its sample weights and the fraction
        of them that is nonzero (a tensor, so that a replayed step divides by this batch's value)."""
        ts = [self._on_device(a) for a in xs] + [self._on_device(y) for y in ys]
        for i, w in enumerate(sws):
            if w is not None:
                dt = str(self.outputs[i].dtype)
                ts.append(self._on_device(np.ascontiguousarray(w, dtype=dt)))
                ts.append(self._on_device(np.asarray(float(np.mean(w != 0)) or 1.0, dtype=dt)))
        return ts

    @staticmethod
    def _split_inputs(ts, n_x, n_y, weighted):
        sws, nonzero = [None] * n_y, [None] * n_y
        rest = ts[n_x + n_y:]
        for k, i in enumerate(weighted):
            sws[i], nonzero[i] = rest[2 * k], rest[2 * k + 1]
        return ts[:n_x], ts[n_x:n_x + n_y], sws, nonzero

    # ---- pieces ----
    def _losses(self, outs, ys, sws, nonzero):
        total = None
        per_out = []
        for i, out in enumerate(outs):
            fn = self.loss_functions[i]
            if fn is None:
                continue
            fused = self._fused[i] if self._use_fused else None
            y = ys[i]
            if fused is not None:  # `out` holds the output layer's logits (see _run_graph's logits_outputs)
                per = fused[0](y, out, from_logits=True)
            else:
                per = fn.call(y, out) if isinstance(fn, losses_mod.Loss) else fn(y, out)
            if per.ndim > 1:
                per = ops.mean(per, axis=tuple(range(1, per.ndim)))
            w = sws[i]
            if w is not None:
                if w.dtype != per.dtype:
                    w, nz = w.astype(per.dtype), nonzero[i].astype(per.dtype)
                else:
                    nz = nonzero[i]
                value = ops.mean(per * w) / nz
            else:
                value = ops.mean(per)
            per_out.append(value)
            term = value * self.loss_weights[i] if self.loss_weights[i] != 1.0 else value
            total = term if total is None else total + term
        return total, per_out

    def _metric_tensors(self, outs, ys, logits_mode):
        vals = []
        with no_grad():
            for i, ms in enumerate(self._metrics):
                if not ms:
                    continue
                out = outs[i]
                probs = None
                for _, fn in ms:
                    pred = out
                    if logits_mode and self._fused[i] is not None and fn not in metrics_mod.ARGMAX_ONLY:
                        if probs is None:
                            probs = self._fused[i][1](out)
                        pred = probs
                    vals.append(ops.mean(fn(ys[i], pred)))
        return vals

    def _logits(self):
        return self._fused_idx if self._use_fused else ()

    # ---- the recorded parts: tensors in, tensors out ----
    def _train_graph(self, ts, n_x, n_y, weighted):
        xs, ys, sws, nonzero = self._split_inputs(ts, n_x, n_y, weighted)
        sink = []
        layer_base._activity_sink.append(sink)
        try:
            outs = self._run_graph(xs, training=True, logits_outputs=self._logits())
        finally:
            layer_base._activity_sink.pop()
        total, per_out = self._losses(outs, ys, sws, nonzero)
        for r in self.losses + sink:
            total = total + r
        total.backward()
        result = [total] + (per_out if len(per_out) > 1 else [])
        return result + self._metric_tensors([o.detach() for o in outs], ys, self._use_fused)

    def _test_graph(self, ts, n_x, n_y, weighted):
        xs, ys, sws, nonzero = self._split_inputs(ts, n_x, n_y, weighted)
        with no_grad():
            outs = self._run_graph(xs, training=False, logits_outputs=self._logits())
            total, per_out = self._losses(outs, ys, sws, nonzero)
            for r in self.losses:
                total = total + r
        result = [total] + (per_out if len(per_out) > 1 else [])
        return result + self._metric_tensors(outs, ys, self._use_fused)

    def _predict_graph(self, ts):
        with no_grad():
            return self._run_graph(ts, training=False)

    # ---- steps ----
    def _train_step(self, xs, ys, sws):
        """One update on a batch; returns [loss, (per-output losses), metrics...] as Python floats."""
        self._sync_requires_grad()
        weighted = tuple(i for i, w in enumerate(sws) if w is not None)
        n_x, n_y = len(xs), len(ys)
        outs = plans.run(self, ("train", weighted), self._step_inputs(xs, ys, sws),
                         lambda ts: self._train_graph(ts, n_x, n_y, weighted))
        self.optimizer.apply_to(self._collected_trainable_weights)
        return [float(v) for v in outs]

    def _test_step(self, xs, ys, sws):
        weighted = tuple(i for i, w in enumerate(sws) if w is not None)
        n_x, n_y = len(xs), len(ys)
        outs = plans.run(self, ("test", weighted), self._step_inputs(xs, ys, sws),
                         lambda ts: self._test_graph(ts, n_x, n_y, weighted))
        return [float(v) for v in outs]

    def _predict_batch(self, xs):
        """The outputs for one batch of inputs (NumPy arrays), as tensors."""
        return plans.run(self, "predict", [self._on_device(a) for a in xs], self._predict_graph)

    def step_plan_info(self):
        """How each step this model has run is executed: {step and input shapes: 'planned: N ops' or
        'eager: <why the step could not be recorded>'}."""
        return plans.info(self)
