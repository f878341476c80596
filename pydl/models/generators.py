"""fit / evaluate / predict on batches from a generator, an iterator, an iterable (e.g. a list of batches) or a
Keras-style Sequence (``__len__`` + ``__getitem__``), and Keras 2's fit_generator family as aliases.

Steps follow Keras: a Sequence gives len() batches per epoch and a list its length; without steps an iterator or
iterable is read until it is exhausted (an endless generator therefore needs steps_per_epoch / steps). With
steps, a Sequence or re-iterable cycles over its passes and an iterator carries on where the last epoch stopped.
fit(shuffle=True) permutes a Sequence's batch order each pass and calls its on_epoch_end() after each pass.
Batches are read in the calling thread; Keras's workers / queue options are accepted and ignored.
"""
import itertools
import numbers

import numpy as np

from ..callbacks.base import CallbackList
from ..tensor import Tensor
from ..utils.data_utils import Sequence  # noqa: F401  (re-exported: the batch-sequence base class)
from . import data as data_mod


def _is_sequence(data):
    return hasattr(data, "__len__") and hasattr(data, "__getitem__") and not isinstance(data, (list, tuple))


def is_batch_source(data, y=None, lists=True):
    """True for generators, iterators, Sequences and other non-array iterables. A list or tuple counts only when
    `lists`, y is None, and every element is a tuple batch (x, y) or (x, y, w): otherwise it is array data."""
    if data is None or isinstance(data, (np.ndarray, Tensor, dict, str, bytes)) or hasattr(data, "__array__"):
        return False
    if isinstance(data, (list, tuple)):
        return lists and y is None and len(data) > 0 and all(
            isinstance(b, tuple) and len(b) in (2, 3) and not np.isscalar(b[0]) for b in data)
    return hasattr(data, "__next__") or _is_sequence(data) or hasattr(data, "__iter__")


def check_steps(steps, name):
    if steps is not None and (not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps <= 0):
        raise ValueError(f"{name} must be a positive integer or None, got {steps!r}")


class BatchSource:
    """Raw batches from any accepted kind: 'sequence' (indexable), 'iterator' (one-shot) or 'iterable' (restartable)."""

    def __init__(self, data):
        self.data = data
        self.kind = "sequence" if _is_sequence(data) else "iterator" if hasattr(data, "__next__") else "iterable"
        self.length = len(data) if self.kind == "sequence" or hasattr(data, "__len__") else None
        self._stream = None

    def _passes(self, shuffle):
        """Endless stream over repeated passes; stops only if a pass is empty."""
        while True:
            got = False
            if self.kind == "sequence":
                n = len(self.data)
                for k, i in enumerate(np.random.permutation(n) if shuffle else range(n)):
                    got = True
                    batch = self.data[int(i)]
                    if k == n - 1 and hasattr(self.data, "on_epoch_end"):
                        self.data.on_epoch_end()  # at the end of the pass, not lazily when the next one starts
                    yield batch
            else:
                for batch in self.data:
                    got = True
                    yield batch
            if not got:
                return

    def train_stream(self, cycle, shuffle):
        """The stream fit reads each epoch from: it persists across epochs except for an uncounted iterable."""
        if self.kind == "iterator":
            return self.data
        if self.kind == "iterable" and not cycle:
            return iter(self.data)
        if self._stream is None:
            self._stream = self._passes(shuffle and self.kind == "sequence")
        return self._stream

    def eval_stream(self, steps):
        """Evaluation restarts a Sequence or iterable at its first batch; an iterator carries on."""
        if self.kind == "iterator":
            return self.data
        if self.kind == "iterable" and steps is None:
            return iter(self.data)
        return self._passes(False)


def _describe(batch):
    if isinstance(batch, (tuple, list)):
        return f"a {type(batch).__name__} of length {len(batch)}"
    return f"{type(batch).__name__} {getattr(batch, 'shape', '')}".strip()


def prepare(model, batch, class_weight=None):
    """(xs, ys, sws) for one (x, y) or (x, y, sample_weight) batch, checked like array input."""
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError("Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. Found: "
                         + _describe(batch))
    if batch[1] is None:
        raise ValueError("The generator yielded y=None; training and evaluation need (x, y) batches")
    xs = model._prepare_x(batch[0])
    ys = model._prepare_y(batch[1])
    sws = data_mod.sample_weights(batch[2] if len(batch) == 3 else None, class_weight, ys, model.output_names)
    data_mod.check_lengths(xs, ys, sws)
    return xs, ys, sws


def check_args(what, y=None, batch_size=None, sample_weight=None, validation_split=0.0):
    for name, value in (("y", y), ("batch_size", batch_size), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(f"{what}: the `{name}` argument is not supported when x is a generator, iterable or "
                             "Sequence: its batches are (x, y) or (x, y, sample_weight) tuples")
    if validation_split:
        raise ValueError(f"{what}: `validation_split` is only supported for array data; pass validation_data "
                         "(arrays, a generator or a Sequence) instead")


def fit_source(model, data, steps_per_epoch, epochs, verbose, callbacks, val, shuffle, class_weight, initial_epoch,
               validation_freq):
    from .fit_loop import run_epochs
    check_steps(steps_per_epoch, "steps_per_epoch")
    src = BatchSource(data)
    steps = steps_per_epoch if steps_per_epoch is not None else src.length
    state = {"ran_out": False, "epochs": 0}

    def batches(epoch):
        count = 0
        for raw in itertools.islice(src.train_stream(steps_per_epoch is not None, shuffle), steps):
            count += 1
            yield prepare(model, raw, class_weight)
        if count == 0 and state["epochs"] == 0:
            raise ValueError("fit: the training data produced no batches" +
                             (f" (steps_per_epoch={steps_per_epoch})" if steps_per_epoch else ""))
        state["epochs"] += 1
        state["ran_out"] = count < steps if steps is not None else src.kind == "iterator"

    params = {"batch_size": None, "steps": steps, "samples": None}
    return run_epochs(model, batches, params, epochs, verbose, callbacks, val, initial_epoch, validation_freq,
                      count_mode="steps", ran_out=lambda: state["ran_out"])


def validator(model, data, steps):
    """A callable for fit's validation: evaluates a generator / Sequence source, kept across epochs."""
    check_steps(steps, "validation_steps")
    src = BatchSource(data)
    return lambda: evaluate_source(model, src, steps, 0, None, "validation_data")


def _progbar(verbose, steps):
    if verbose != 1:
        return None
    from ..utils.progbar import Progbar
    return Progbar(steps, unit_name="step")


def evaluate_source(model, data, steps, verbose, callbacks, what="evaluate"):
    """Loss and metric values averaged over the batches' samples, like array evaluate."""
    check_steps(steps, "steps")
    src = data if isinstance(data, BatchSource) else BatchSource(data)
    names = model.metrics_names
    cbs = CallbackList(callbacks)
    cbs.set_model(model)
    cbs.on_test_begin({})
    count = steps if steps is not None else src.length  # a Sequence's len(); None reads to the end
    bar = _progbar(verbose, count)
    sums, seen, b = None, 0, 0
    for b, raw in enumerate(itertools.islice(src.eval_stream(steps), count)):
        cbs.on_test_batch_begin(b, {})
        xs, ys, sws = prepare(model, raw)
        size = len(xs[0])
        out = model._test_step(xs, ys, sws)
        sums = [v * size for v in out] if sums is None else [s + v * size for s, v in zip(sums, out)]
        seen += size
        cbs.on_test_batch_end(b, dict(zip(names, out), size=size))
        if bar is not None:
            bar.update(b + 1, [(k, s / seen) for k, s in zip(names, sums)])
    if sums is None:
        raise ValueError(f"{what}: the data produced no batches (a generator used up by an earlier epoch or call? "
                         "Make it loop forever and pass steps, or use a Sequence or a list of batches)")
    vals = [s / max(seen, 1) for s in sums]
    if bar is not None:
        bar.update(b + 1, list(zip(names, vals)), finalize=True)
    cbs.on_test_end(dict(zip(names, vals)))
    return vals


def _predict_input(batch):
    """Keras's predict_generator: a tuple batch is (x,), (x, y) or (x, y, w); anything else is x itself."""
    if isinstance(batch, tuple):
        if len(batch) not in (1, 2, 3):
            raise ValueError("Output of generator should be a tuple `(x, y, sample_weight)`, `(x, y)` or x. Found: "
                             + _describe(batch))
        return batch[0]
    return batch


def predict_source(model, data, steps, verbose, callbacks):
    """Outputs for every batch, concatenated along the sample axis."""
    from ..autograd import no_grad
    check_steps(steps, "steps")
    src = BatchSource(data)
    cbs = CallbackList(callbacks)
    cbs.set_model(model)
    cbs.on_predict_begin({})
    count = steps if steps is not None else src.length
    bar = _progbar(verbose, count)
    chunks, b = None, 0
    with no_grad():
        for b, raw in enumerate(itertools.islice(src.eval_stream(steps), count)):
            cbs.on_predict_batch_begin(b, {})
            xs = model._prepare_x(_predict_input(raw))
            arrs = [np.array(o) for o in model._run_graph([model._on_device(a) for a in xs], training=False)]
            chunks = [[] for _ in arrs] if chunks is None else chunks
            for c, a in zip(chunks, arrs):
                c.append(a)
            cbs.on_predict_batch_end(b, {"outputs": arrs})
            if bar is not None:
                bar.update(b + 1)
    if chunks is None:
        raise ValueError("predict: the data produced no batches")
    if bar is not None:
        bar.update(b + 1, finalize=True)
    cbs.on_predict_end({})
    res = [np.concatenate(c, axis=0) for c in chunks]
    return res[0] if len(res) == 1 else res


# ---- Keras 2's names (methods of every model) ----
def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None, validation_data=None,
                  validation_steps=None, validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                  use_multiprocessing=False, shuffle=True, initial_epoch=0):
    """Keras 2's fit_generator: fit() on a generator or Sequence of (x, y[, sample_weight]) batches."""
    return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose, callbacks=callbacks,
                    validation_data=validation_data, validation_steps=validation_steps,
                    validation_freq=validation_freq, class_weight=class_weight, shuffle=shuffle,
                    initial_epoch=initial_epoch)


def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                       use_multiprocessing=False, verbose=0):
    """Keras 2's evaluate_generator: evaluate() on a generator or Sequence."""
    return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, verbose=0):
    """Keras 2's predict_generator: predict() on a generator or Sequence."""
    return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)
