"""fit(..., distributed=True): the callback pattern of docs/distributed.md applied by fit itself.

The model's optimizer is wrapped once in DistributedOptimizer (a second fit keeps the wrap: it is never wrapped
twice, so gradients are averaged once), each rank trains on its shard of the arrays (a DistributedSampler
reshuffled each epoch from a seed rank 0 draws from NumPy's global generator, so set_random_seed fixes it), rank
0's initial state is broadcast, epoch metrics are averaged, and only rank 0 shows a progress bar and runs the
callbacks that write files. The learning rate is left as given; the global batch is size() * batch_size.
"""
import math

import numpy as np

from ..callbacks import CSVLogger, ModelCheckpoint, TensorBoard
from ..callbacks.base import ProgbarLogger
from . import comm
from .callbacks import BroadcastInitialState, MetricAverage
from .data import DistributedSampler, DistributedSequence
from .optimizer import DistributedOptimizer

WRITERS = (ModelCheckpoint, TensorBoard, CSVLogger)  # one writer per file: rank 0's


class _PrimaryProgbar(ProgbarLogger):
    """The progress bar, placed after MetricAverage so that its epoch line shows the averaged figures (fit's own
    bar runs first, before any callback)."""

    def __init__(self, verbose, count_mode):
        super().__init__(count_mode=count_mode)
        self._verbose = verbose

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.verbose = self._verbose  # fit's params say verbose=0: its own bar is off


def check(distributed):
    if not isinstance(distributed, (bool, np.bool_)):
        raise TypeError(f"fit: distributed must be True or False, got {distributed!r}")


def prepare(model, verbose, callbacks, count_mode):
    """init() if needed, wraps model.optimizer, and returns (verbose for fit: 0, the callbacks for this rank)."""
    if not comm.is_initialized():
        comm.init()
    _fits[0] += 1
    model.optimizer = DistributedOptimizer(model.optimizer)  # returns an already wrapped one as it is
    user = list(callbacks or [])
    primary = comm.is_primary()
    out = [] if any(isinstance(cb, BroadcastInitialState) for cb in user) else [BroadcastInitialState()]
    out += [] if any(isinstance(cb, MetricAverage) for cb in user) else [MetricAverage()]
    out += [_PrimaryProgbar(verbose, count_mode)] if verbose and primary else []
    return 0, out + [cb for cb in user if primary or not isinstance(cb, WRITERS)]


def source(model, data, shuffle, verbose, callbacks):
    """For a batch source: only a DistributedSequence (which shards and shuffles itself, the same way on every
    rank: fit's shuffle is then off). Returns (shuffle, verbose, callbacks)."""
    if not isinstance(data, DistributedSequence):
        raise ValueError(f"fit(distributed=True) shards in-memory arrays only, not a {type(data).__name__}: pass "
                         "a pydl.distributed.DistributedSequence (it deals each rank its share of the batches), or "
                         "shard the data yourself and call fit without distributed=True")
    verbose, callbacks = prepare(model, verbose, callbacks, "steps")
    return False, verbose, callbacks


def fit_arrays(model, xs, ys, sws, batch_size, epochs, verbose, callbacks, val, shuffle, initial_epoch,
               validation_freq):
    """fit_loop.fit_arrays on this rank's shard; every rank evaluates the whole validation data (the same weights
    give the same figures). shuffle='batch' shuffles samples, like True."""
    from ..models import data as data_mod
    from ..models.fit_loop import run_epochs
    verbose, callbacks = prepare(model, verbose, callbacks, "samples")
    seed = int(np.random.randint(2 ** 31 - 1)) if shuffle else 0  # drawn on every rank: their generators stay alike
    seed = comm._comm().bcast(seed, root=0)
    sampler = DistributedSampler(len(xs[0]), shuffle=bool(shuffle), seed=seed)

    def batches(epoch):
        sampler.set_epoch(epoch)
        idx = sampler.indices()
        for s in range(0, len(idx), batch_size):
            sel = idx[s:s + batch_size]
            yield data_mod.take(xs, sel), data_mod.take(ys, sel), data_mod.take(sws, sel)

    params = {"batch_size": batch_size, "steps": math.ceil(len(sampler) / batch_size), "samples": len(sampler)}
    return run_epochs(model, batches, params, epochs, verbose, callbacks, val, initial_epoch, validation_freq)


_fits = [0]  # distributed fits started in this process: a recipe that never asked for one ignored --distributed


def recipe_runner(name, run, args):
    """`pydl run NAME --distributed`: run(args) with init() done, and on ranks other than 0 no stdout and no
    --plot file (rank 0 prints and writes once). Raises when the recipe trained without distributed=True."""
    import contextlib
    import os

    def wrapped(args):
        comm.init()
        before = _fits[0]
        with contextlib.ExitStack() as stack:
            if not comm.is_primary():
                args.plot = None
                stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(os.devnull, "w"))))
            result = run(args)
        if _fits[0] == before:
            raise ValueError(f"recipe {name!r} does not support --distributed (its fit was not distributed): every "
                             "rank trained alone on all the data")
        return result
    return wrapped
