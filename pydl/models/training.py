"""compile / fit / evaluate / predict and the *_on_batch methods (Keras 2 semantics) for functional models; one step
of each is in steps.py."""
import numpy as np

from .. import activations, losses as losses_mod, metrics as metrics_mod, optimizers
from . import data as data_mod, generators, plans, steps


class TrainingMixin(steps.StepsMixin):
    # ---- compile ----
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, target_tensors=None, device=None, jit_compile=None, **kwargs):
        """Keras's compile; `device` ('cpu', 'cuda', 'cuda:N') also moves the model there (see Layer.to).
        jit_compile=False runs every step eagerly, op by op from Python (see plans.py)."""
        if kwargs:
            raise TypeError(f"compile: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if loss is None:
            raise ValueError("compile: a loss is required (e.g. loss='categorical_crossentropy')")
        if device is not None:  # first, so a device this build lacks leaves the model as it was
            self.to(device)
        self.optimizer = optimizers.get(optimizer)
        self._loss_spec, self._metric_spec, self._loss_weight_spec = loss, metrics, loss_weights
        self._weighted_metric_spec = weighted_metrics
        self._compiled_trainable = None
        self._compiled = True
        plans.reset(self, jit_compile)
        steps.grad_owner[0] = None
        if self.built and self._is_graph_network:
            self._finish_compile()

    def _finish_compile(self):
        """Resolves losses and metrics per output and freezes the set of trainable weights (Keras: at compile)."""
        names = self.output_names
        n = len(names)
        loss = self._loss_spec
        if isinstance(loss, dict):
            unknown = set(loss) - set(names)
            if unknown:
                raise ValueError(f"Unknown entries in loss dictionary: {sorted(unknown)}. Only expected the "
                                 f"following keys: {names}")
            fns = [losses_mod.get(loss[nm]) if nm in loss else None for nm in names]
        elif isinstance(loss, (list, tuple)):
            if len(loss) != n:
                raise ValueError(f"When passing a list as loss, it should have one entry per model output. The model "
                                 f"has {n} outputs, but you passed loss={loss!r}")
            fns = [losses_mod.get(l) for l in loss]
        else:
            fns = [losses_mod.get(loss)] * n
        lw = self._loss_weight_spec
        if lw is None:
            weights = [1.0] * n
        elif isinstance(lw, dict):
            weights = [float(lw.get(nm, 1.0)) for nm in names]
        else:
            weights = [float(w) for w in lw]
            if len(weights) != n:
                raise ValueError(f"loss_weights has {len(weights)} entries but the model has {n} outputs")
        self.loss_functions, self.loss_weights = fns, weights

        spec = self._metric_spec or []
        per_output = []
        for i, nm in enumerate(names):
            if isinstance(spec, dict):
                ms = spec.get(nm, [])
            elif spec and isinstance(spec[0], (list, tuple)):
                ms = spec[i]
            else:
                ms = spec
            ms = [ms] if isinstance(ms, str) or callable(ms) else list(ms)
            per_output.append([metrics_mod.resolve(m, fns[i], self.outputs[i].shape) for m in ms])
        self._metrics = per_output
        # Fold the final softmax/sigmoid into the loss when the loss is the matching cross-entropy.
        self._fused = []
        for i, t in enumerate(self.outputs):
            layer = t._keras_history[0]
            act = getattr(layer, "activation", None)
            if type(layer).__name__ == "Softmax":
                act = activations.softmax if layer.axis in (-1, len(t.shape) - 1) else None
            base = losses_mod.canonical(fns[i]) if fns[i] is not None else None
            ok = hasattr(layer, "_pre_activation") and layer.activity_regularizer is None
            if ok and act is activations.softmax and base in (losses_mod.categorical_crossentropy,
                                                              losses_mod.sparse_categorical_crossentropy):
                self._fused.append((base, activations.softmax))
            elif ok and act is activations.sigmoid and base is losses_mod.binary_crossentropy:
                self._fused.append((base, activations.sigmoid))
            else:
                self._fused.append(None)
        self._fused_idx = tuple(i for i, f in enumerate(self._fused) if f is not None)
        self._collected_trainable_weights = list(self.trainable_weights)
        self._compiled_trainable = {id(w) for w in self._collected_trainable_weights}
        self._sparse_target = [losses_mod.canonical(f) is losses_mod.sparse_categorical_crossentropy
                               for f in fns]
        names_out = ["loss"]
        if n > 1:
            names_out += [f"{nm}_loss" for nm, f in zip(names, fns) if f is not None]
        for i, ms in enumerate(per_output):
            for mname, _ in ms:
                names_out.append(mname if n == 1 else f"{names[i]}_{mname}")
        self.metrics_names = names_out

    @property
    def output_names(self):
        return [t._keras_history[0].name for t in self.outputs]

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self.inputs]

    def _check_compiled(self):
        if not getattr(self, "_compiled", False):
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    # ---- data ----
    def _prepare_x(self, x):
        self._ensure_built(x)
        names = self.input_names
        xs = data_mod.to_arrays(x, names, "input", dtypes=[t.dtype for t in self.inputs])
        data_mod.check_shapes(xs, [t.shape for t in self.inputs], names, "input")
        return xs

    def _prepare_y(self, y):
        names = self.output_names
        dtypes = ["int64" if s else t.dtype for s, t in zip(self._sparse_target, self.outputs)]
        ys = data_mod.to_arrays(y, names, "target", dtypes=dtypes)
        for i, (arr, t) in enumerate(zip(ys, self.outputs)):
            if not self._sparse_target[i] and arr.ndim == 1 and len(t.shape) == 2 and t.shape[-1] == 1:
                ys[i] = arr.reshape(-1, 1)
            if not self._sparse_target[i] and self.loss_functions[i] is not None:
                data_mod.check_shapes([ys[i]], [t.shape], [names[i]], "target")
        return ys

    def _ensure_built(self, x):
        if self.built and self._is_graph_network:
            if getattr(self, "_compiled", False) and not hasattr(self, "loss_functions"):
                self._finish_compile()
            return
        first = x[0] if isinstance(x, (list, tuple)) else (next(iter(x.values())) if isinstance(x, dict) else x)
        shape = np.shape(first) if not hasattr(first, "shape") else tuple(first.shape)
        self._build_from_shape((None,) + tuple(shape[1:]))
        if getattr(self, "_compiled", False):
            self._finish_compile()

    def _build_from_shape(self, batch_shape):
        raise ValueError(f"Model '{self.name}' is not built and cannot infer its inputs")

    # ---- public API ----
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None, reset_metrics=True):
        self._check_compiled()
        xs = self._prepare_x(x)
        ys = self._prepare_y(y)
        data_mod.check_lengths(xs, ys)
        sws = data_mod.sample_weights(sample_weight, class_weight, ys, self.output_names)
        out = self._train_step(xs, ys, sws)
        return out[0] if len(out) == 1 else out

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics=True):
        self._check_compiled()
        xs = self._prepare_x(x)
        ys = self._prepare_y(y)
        data_mod.check_lengths(xs, ys)
        sws = data_mod.sample_weights(sample_weight, None, ys, self.output_names)
        out = self._test_step(xs, ys, sws)
        return out[0] if len(out) == 1 else out

    def predict_on_batch(self, x):
        outs = self._predict_batch(self._prepare_x(x))
        res = [np.array(o) for o in outs]
        return res[0] if len(res) == 1 else res

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, **kwargs):
        """Outputs for x, computed in batches (default 32) in inference mode; NumPy arrays like Keras. x may also be
        a generator or Sequence of batches (x or tuples whose first item is x), read for `steps` batches."""
        if generators.is_batch_source(x, lists=False):
            return generators.predict_source(self, x, steps, verbose, callbacks)
        xs = self._prepare_x(x)
        data_mod.check_lengths(xs, None)
        n = len(xs[0])
        batch_size = batch_size or 32
        if 0 < n <= batch_size and not callbacks and verbose != 1:  # one batch (an RL agent's state): no loop
            res = [np.array(o) for o in self._predict_batch(xs)]
            return res[0] if len(res) == 1 else res
        from ..callbacks.base import CallbackList
        cbs = CallbackList(callbacks)
        cbs.set_model(self)
        cbs.on_predict_begin({})
        chunks = None
        bar = None
        if verbose == 1:
            from ..utils.progbar import Progbar
            bar = Progbar(n)
        for b, sl in enumerate(data_mod.batch_slices(n, batch_size, False)):
            cbs.on_predict_batch_begin(b, {})
            arrs = [np.array(o) for o in self._predict_batch(data_mod.take(xs, sl))]
            if chunks is None:
                chunks = [[] for _ in arrs]
            for c, a in zip(chunks, arrs):
                c.append(a)
            cbs.on_predict_batch_end(b, {"outputs": arrs})
            if bar is not None:
                bar.update(min(sl.stop, n), finalize=sl.stop >= n)
        cbs.on_predict_end({})
        if chunks is None:
            res = [np.zeros((0,) + tuple(t.shape[1:]), dtype=t.dtype) for t in self.outputs]
        else:
            res = [np.concatenate(c, axis=0) for c in chunks]
        return res[0] if len(res) == 1 else res

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's Sequential.predict_proba: the model's outputs (probabilities for softmax/sigmoid outputs)."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2's Sequential.predict_classes: arg-max of the outputs, or > 0.5 for a single unit."""
        p = self.predict(x, batch_size=batch_size, verbose=verbose)
        return np.argmax(p, axis=-1) if p.shape[-1] > 1 else (p > 0.5).astype("int32")

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None, callbacks=None,
                 return_dict=False, **kwargs):
        self._check_compiled()
        if generators.is_batch_source(x, y):
            generators.check_args("evaluate", y, batch_size, sample_weight)
            vals = generators.evaluate_source(self, x, steps, verbose, callbacks)
        else:
            xs = self._prepare_x(x)
            ys = self._prepare_y(y)
            sws = data_mod.sample_weights(sample_weight, None, ys, self.output_names)
            data_mod.check_lengths(xs, ys, sws)
            vals = self._evaluate_arrays(xs, ys, sws, batch_size or 32, verbose, callbacks)
        if return_dict:
            return dict(zip(self.metrics_names, vals))
        return vals[0] if len(vals) == 1 else vals

    def _evaluate_arrays(self, xs, ys, sws, batch_size, verbose=0, callbacks=None):
        from ..callbacks.base import CallbackList
        cbs = CallbackList(callbacks)
        cbs.set_model(self)
        cbs.on_test_begin({})
        n = len(xs[0])
        sums = None
        bar = None
        if verbose == 1:
            from ..utils.progbar import Progbar
            bar = Progbar(n)
        for b, sl in enumerate(data_mod.batch_slices(n, batch_size, False)):
            cbs.on_test_batch_begin(b, {})
            size = sl.stop - sl.start
            out = self._test_step(data_mod.take(xs, sl), data_mod.take(ys, sl), data_mod.take(sws, sl))
            sums = [v * size for v in out] if sums is None else [s + v * size for s, v in zip(sums, out)]
            cbs.on_test_batch_end(b, dict(zip(self.metrics_names, out), size=size))
            if bar is not None:
                bar.update(sl.stop, list(zip(self.metrics_names, [s / sl.stop for s in sums])),
                           finalize=sl.stop >= n)
        vals = [s / max(n, 1) for s in sums] if sums else [float("nan")] * len(self.metrics_names)
        cbs.on_test_end(dict(zip(self.metrics_names, vals)))
        return vals

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_freq=1, nb_epoch=None, device=None, distributed=False, **kwargs):
        """Trains for `epochs` passes over (x, y); returns a History whose .history holds the per-epoch logs.
        x may instead be a generator, iterable or Sequence of (x, y[, sample_weight]) batches (see generators.py).
        `device` moves the model first (see Layer.to); each batch is copied to the model's device once.
        distributed=True trains data-parallel under mpiexec, each rank on its shard (pydl/distributed/fit.py)."""
        from .fit_loop import fit_arrays
        for ignored in ("max_queue_size", "workers", "use_multiprocessing"):  # batches are read in this thread
            kwargs.pop(ignored, None)
        if kwargs:
            raise TypeError(f"fit: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if nb_epoch is not None:
            epochs = nb_epoch
        self._check_compiled()
        if device is not None:
            self.to(device)
        from_source = generators.is_batch_source(x, y)
        if from_source:
            generators.check_args("fit", y, batch_size, sample_weight, validation_split)
        elif x is None or y is None:
            raise ValueError("fit needs both x and y")
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size <= 0):
            raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size!r}")
        if not from_source:
            xs = self._prepare_x(x)
            ys = self._prepare_y(y)
            sws = data_mod.sample_weights(sample_weight, class_weight, ys, self.output_names)
            data_mod.check_lengths(xs, ys, sws)
        val = None
        if generators.is_batch_source(validation_data):
            val = generators.validator(self, validation_data, validation_steps)
        elif validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data should be a tuple (x_val, y_val) or (x_val, y_val, val_sample_"
                                 f"weights), got {type(validation_data).__name__} of length "
                                 f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}")
            vx = self._prepare_x(validation_data[0])
            vy = self._prepare_y(validation_data[1])
            vw = data_mod.sample_weights(validation_data[2] if len(validation_data) == 3 else None, None, vy,
                                         self.output_names)
            data_mod.check_lengths(vx, vy, vw)
            val = (vx, vy, vw)
        elif validation_split and 0.0 < validation_split < 1.0:
            split = int(len(xs[0]) * (1.0 - validation_split))
            val = ([a[split:] for a in xs], [a[split:] for a in ys], [None if w is None else w[split:] for w in sws])
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
            sws = [None if w is None else w[:split] for w in sws]
        elif validation_split:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        if distributed:
            from ..distributed import fit as dist_fit
            dist_fit.check(distributed)
            if not from_source:
                return dist_fit.fit_arrays(self, xs, ys, sws, batch_size or 32, epochs, verbose, callbacks, val,
                                           shuffle, initial_epoch, validation_freq)
            shuffle, verbose, callbacks = dist_fit.source(self, x, shuffle, verbose, callbacks)
        if from_source:
            return generators.fit_source(self, x, steps_per_epoch, epochs, verbose, callbacks, val, shuffle,
                                         class_weight, initial_epoch, validation_freq)
        return fit_arrays(self, xs, ys, sws, batch_size or 32, epochs, verbose, callbacks, val, shuffle,
                          initial_epoch, validation_freq)

    # Keras 2's generator methods: thin aliases of fit / evaluate / predict
    fit_generator = generators.fit_generator
    evaluate_generator = generators.evaluate_generator
    predict_generator = generators.predict_generator
