"""Callback hooks (Keras 2): on_{train,epoch,batch}_{begin,end} and their test/predict forms, plus the callbacks
every fit() uses: History (returned by fit) and ProgbarLogger (verbose=1 bar, verbose=2 one line per epoch)."""
import math
import time

import numpy as np

from ..utils.progbar import Progbar, format_logs


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


class CallbackList:
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks=None):
        self.callbacks = list(callbacks or [])

    def append(self, cb):
        self.callbacks.append(cb)

    def set_params(self, params):
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        for cb in self.callbacks:
            cb.set_model(model)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args):
            for cb in self.callbacks:
                getattr(cb, hook)(*args)
        return call

    def __iter__(self):
        return iter(self.callbacks)


class BaseLogger(Callback):
    """Kept for Keras compatibility: fit() itself puts the epoch averages of the batch values into the logs."""


class History(Callback):
    """Records the epoch logs: history.history['loss'], ['val_acc'], ... and history.epoch."""

    def on_train_begin(self, logs=None):
        self.epoch = getattr(self, "epoch", [])
        self.history = getattr(self, "history", {})

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """verbose=1: a live bar per epoch with ETA and running averages; verbose=2: one line per epoch."""

    batch_logs_only = True  # its batch hooks only read the logs: fit() may hand them a run's logs afterwards

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        self.count_mode = count_mode

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = self.samples = 0
        self.sums = {}
        self.start = time.time()
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self.target = self.params.get("samples") if self.count_mode == "samples" else self.params.get("steps")
        self.bar = Progbar(self.target, unit_name="sample" if self.count_mode == "samples" else "step") \
            if self.verbose == 1 else None

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 1)
        self.samples += size
        self.seen += size if self.count_mode == "samples" else 1
        for k in self.params.get("metrics", []):
            if k in logs and not k.startswith("val_"):
                self.sums[k] = self.sums.get(k, 0.0) + logs[k] * size
        if self.bar is not None:
            self.bar.update(self.seen, [(k, v / self.samples) for k, v in self.sums.items()])

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        values = [(k, logs[k]) for k in self.params.get("metrics", []) if k in logs]
        if self.bar is not None:
            self.bar.update(self.seen, values, finalize=True)
        elif self.verbose == 2:
            print(f" - {time.time() - self.start:.0f}s - {format_logs(values)}", flush=True)


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or infinite (raise_error=True raises instead)."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            if self.raise_error:
                raise FloatingPointError(f"Batch {batch}: invalid loss {loss}")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: on_epoch_end=lambda epoch, logs: ..., on_train_begin=lambda logs: ..., etc."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if not name.startswith("on_"):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            if fn is not None:
                setattr(self, name, fn)


def _better(mode, monitor):
    """np.less or np.greater for a monitored quantity (auto: greater for accuracy-like names)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))):
        return np.greater
    return np.less
