"""Callbacks that write the epoch logs: CSVLogger and TensorBoard (event files through tensorboardX)."""
import csv
import os

import numpy as np

from .base import Callback


class CSVLogger(Callback):
    """One row per epoch: epoch, then the log values in sorted key order."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys = None
        self._file = None

    def on_train_begin(self, logs=None):
        append_header = not (self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0)
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._append_header = append_header
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            self.writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if self._append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update({k: logs.get(k, "NA") for k in self.keys})
        self.writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TensorBoard(Callback):
    """Writes TensorBoard event files to log_dir: each epoch's logs as scalars (tags 'loss', 'val_loss', ...)
    and, every histogram_freq epochs, a histogram per weight. Needs tensorboardX (pip install tensorboardX);
    viewing needs tensorboard (`tensorboard --logdir logs`)."""

    batch_logs_only = True  # its batch hook only writes the logs it is given

    def __init__(self, log_dir="./logs", histogram_freq=0, write_graph=True, write_grads=False, write_images=False,
                 update_freq="epoch", batch_size=None, **kwargs):
        super().__init__()
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ImportError("pydl.callbacks.TensorBoard writes event files with tensorboardX: "
                              "pip install tensorboardX (or pip install 'pydl-core[tensorboard]')") from None
        self._writer_cls = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.update_freq = update_freq
        self.writer = None
        self._batches = 0

    def on_train_begin(self, logs=None):
        self.writer = self._writer_cls(logdir=self.log_dir)

    def on_batch_end(self, batch, logs=None):
        self._batches += 1
        if isinstance(self.update_freq, int) and self.update_freq > 0 and self._batches % self.update_freq == 0:
            for k, v in (logs or {}).items():
                if k not in ("batch", "size"):
                    self.writer.add_scalar(f"batch_{k}", float(v), self._batches)

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            if k in ("batch", "size"):
                continue
            self.writer.add_scalar(k, float(v), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for layer in self.model.layers:
                for name, w in layer._named_weights():
                    self.writer.add_histogram(name.replace(":", "_"), np.asarray(w), epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
