"""Callbacks for data-parallel fit(): the same initial state on every rank, epoch metrics averaged over the ranks,
the learning-rate warm-up that goes with a scaled rate, and rank-0-only output.

Put MetricAverage before the callbacks that read epoch logs (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint,
CSVLogger): they then decide on the global figures, and decide the same on every rank (a rank that stops early
while the others train on would leave them waiting in the next allreduce).
"""
import numpy as np

from ..callbacks import Callback
from . import comm
from .fusion import Fusion


def broadcast_variables(tensors, root=0):
    """Overwrites each tensor with root's, in place, fused into few broadcasts (every rank passes the same list)."""
    Fusion().run(list(tensors), "broadcast", root=root)


def broadcast_model(model, root=0, optimizer=True):
    """Copies root's weights (trainable or not) and, with `optimizer`, its optimizer's iteration count and slots
    (when every rank has the same slots) to every rank."""
    c = comm._comm()
    broadcast_variables(model.weights, root)
    opt = getattr(model, "optimizer", None)
    if not optimizer or opt is None:
        return
    state = c.bcast(opt.iterations, root=root)
    opt.iterations = int(state)
    slots = opt._slot_tensors()
    counts = c.allgather(len(slots))
    if len(set(counts)) == 1:  # slots appear at the first update: a fresh optimizer has none anywhere
        broadcast_variables(slots, root)


class BroadcastInitialState(Callback):
    """At the start of fit(), gives every rank root's weights and optimizer state, so that ranks initialized
    differently (other seeds, a checkpoint loaded on rank 0 only) start the same."""

    def __init__(self, root=0):
        super().__init__()
        self.root = root

    def on_train_begin(self, logs=None):
        broadcast_model(self.model, self.root)


class MetricAverage(Callback):
    """Replaces each numeric epoch log (loss, metrics, val_*) with its average over the ranks, in place, so that
    later callbacks and History see the global figure. Every rank must log the same keys (checked)."""

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        c = comm._comm()
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
        every = c.allgather(keys)
        if any(k != keys for k in every):
            raise ValueError("MetricAverage: the ranks logged different metrics: "
                             + "; ".join(f"rank {r}: {k}" for r, k in enumerate(every)))
        values = np.array([float(logs[k]) for k in keys], np.float64)
        MPI = comm._state["MPI"]
        comm.collective("Allreduce", "MetricAverage", MPI.IN_PLACE, values, op=MPI.SUM)
        logs.update(zip(keys, (values / c.Get_size()).tolist()))


class LearningRateWarmup(Callback):
    """Ramps the learning rate from lr / size() to lr over the first `warmup_epochs` epochs, batch by batch
    (Goyal et al., "Accurate, large minibatch SGD"): the companion of the linear scaling rule lr = size() * base.

    The rate is read from the optimizer at train begin (a number; a schedule is left alone with a ValueError)."""

    def __init__(self, warmup_epochs=5, steps_per_epoch=None, verbose=0):
        super().__init__()
        if not isinstance(warmup_epochs, (int, float)) or warmup_epochs <= 0:
            raise ValueError(f"LearningRateWarmup: warmup_epochs must be > 0, got {warmup_epochs!r}")
        self.warmup_epochs, self.steps_per_epoch, self.verbose = warmup_epochs, steps_per_epoch, verbose
        self._epoch, self._target = 0, None

    def on_train_begin(self, logs=None):
        lr = self.model.optimizer.learning_rate
        if callable(lr):
            raise ValueError("LearningRateWarmup: the optimizer's learning rate is a schedule; warm up a number")
        self._target = float(lr)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        steps = self.steps_per_epoch or self.params.get("steps")
        if not steps:
            raise ValueError("LearningRateWarmup: pass steps_per_epoch (fit does not know the steps per epoch)")
        progress = (self._epoch + batch / steps) / self.warmup_epochs
        if progress >= 1:
            self.model.optimizer.learning_rate = self._target
            return
        n = comm.size()
        self.model.optimizer.learning_rate = self._target * (1.0 / n + progress * (1.0 - 1.0 / n))

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose and comm.is_primary() and epoch + 1 == int(np.ceil(self.warmup_epochs)):
            print(f"Epoch {epoch + 1}: warm-up done, learning rate {self._target:g}")


def primary_only(callbacks):
    """`callbacks` on rank 0 and [] elsewhere: for ModelCheckpoint, TensorBoard, CSVLogger (one writer per file).
    Callbacks that change training (EarlyStopping, ReduceLROnPlateau) belong on every rank, after MetricAverage."""
    return list(callbacks) if comm.is_primary() else []


def verbosity(verbose=1):
    """fit's verbose on rank 0, 0 elsewhere: one progress bar per job."""
    return verbose if comm.is_primary() else 0
