"""ModelCheckpoint: saves the model (or its weights) after epochs, optionally only when the monitored value
improves. The best value is stored in the checkpoint itself, so a restarted run does not overwrite a better file."""
import os
import warnings

import numpy as np

from .base import Callback, _better


class ModelCheckpoint(Callback):
    """filepath may hold a template filled from the epoch (1-based) and the logs, e.g. 'weights.{epoch:02d}.hdf5'
    or 'model-{epoch:02d}-{val_loss:.2f}.pydl'. The file is pydl's data-only format whatever the extension."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", period=1, save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.period = int(period)
        if save_freq != "epoch":
            raise ValueError("ModelCheckpoint: only save_freq='epoch' is supported")
        self.monitor_op = _better(mode, monitor)
        self.best = initial_value_threshold if initial_value_threshold is not None else \
            (np.inf if self.monitor_op is np.less else -np.inf)
        self.epochs_since_last_save = 0

    def on_train_begin(self, logs=None):
        if self.save_best_only and "{" not in self.filepath:
            from ..saving.model_io import read_document
            doc = read_document(self.filepath, "checkpoint.json")
            if doc and doc.get("monitor") == self.monitor and doc.get("best") is not None:
                if self.monitor_op(doc["best"], self.best):
                    self.best = doc["best"]

    def _save(self, path, epoch, logs):
        from ..saving.model_io import save_model, save_weights
        extra = {"checkpoint.json": {"monitor": self.monitor, "best": float(self.best) if np.isfinite(self.best)
                                     else None, "epoch": epoch + 1}}
        if self.save_weights_only:
            save_weights(self.model, path, extra=extra)
        else:
            save_model(self.model, path, extra=extra)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as e:
            raise KeyError(f"ModelCheckpoint: the filepath template {self.filepath!r} names {e}, which is not in the "
                           f"logs ({', '.join(sorted(logs)) or 'empty'})") from None
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: saving model to {path}")
            self._save(path, epoch, logs)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", RuntimeWarning)
            return
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from {self.best:0.5f} to {current:0.5f}, "
                      f"saving model to {path}")
            self.best = current
            self._save(path, epoch, logs)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from {self.best:0.5f}")
