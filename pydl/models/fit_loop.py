"""The epoch loop of fit(): callbacks, epoch averages, validation. Batches come from arrays (fit_arrays) or from a
generator / Sequence (pydl.models.generators); both feed run_epochs with ready (xs, ys, sws) lists."""
import numbers
import warnings

from ..callbacks.base import CallbackList, History, ProgbarLogger
from . import data as data_mod, step_runs


def fit_arrays(model, xs, ys, sws, batch_size, epochs, verbose, callbacks, val, shuffle, initial_epoch,
               validation_freq):
    n = len(xs[0])
    runner = step_runs.Runner.create(model, xs, ys, sws, batch_size)

    def batches(epoch, runs_ok=False):
        sels = data_mod.batch_slices(n, batch_size, shuffle)
        for sl in runner.epoch(sels) if runs_ok and runner is not None else sels:
            yield sl if callable(sl) else (data_mod.take(xs, sl), data_mod.take(ys, sl), data_mod.take(sws, sl))

    batches.runs = runner is not None

    params = {"batch_size": batch_size, "steps": (n + batch_size - 1) // batch_size, "samples": n}
    return run_epochs(model, batches, params, epochs, verbose, callbacks, val, initial_epoch, validation_freq)


def validation_due(epoch, freq):
    """Keras's validation_freq: an int (every freq-th epoch) or a collection of 1-based epoch numbers."""
    if isinstance(freq, numbers.Integral):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def run_epochs(model, batches, params, epochs, verbose, callbacks, val, initial_epoch, validation_freq,
               count_mode="samples", ran_out=None):
    """batches(epoch[, runs_ok]) yields (xs, ys, sws), or, when runs_ok (every callback only reads batch logs), may
    yield a callable that trains a run of batches in C++ and returns [(size, outputs)] (step_runs.py). val is None,
    arrays (xs, ys, sws), or a callable returning the validation values. ran_out() (generators) says the data is used
    up: the remaining epochs are skipped with a warning."""
    model.history = History()
    cbs = [ProgbarLogger(count_mode=count_mode)] if verbose else []
    cbs += list(callbacks or []) + [model.history]
    cbl = CallbackList(cbs)
    cbl.set_model(model)
    names = list(model.metrics_names)
    out_names = names + ([f"val_{m}" for m in names] if val is not None else [])
    # one dict shared by every callback, so a step count learnt in the first epoch reaches the progress bar
    params = dict(params, epochs=epochs, verbose=verbose, do_validation=val is not None, metrics=out_names)
    cbl.set_params(params)
    for cb in cbl:
        if val is not None and not callable(val):
            cb.validation_data = val
    model.stop_training = False
    runs_ok = getattr(batches, "runs", False) and step_runs.callbacks_allow(cbl)
    cbl.on_train_begin({})
    epoch_logs = {}
    for epoch in range(initial_epoch, epochs):
        cbl.on_epoch_begin(epoch, {})
        sums = [0.0] * len(names)
        seen = steps = 0
        source = batches(epoch, runs_ok) if runs_ok else batches(epoch)
        for item in source:
            done = item() if callable(item) else [(len(item[0][0]), None)]  # a run replayed in C++, or one batch
            for size, out in done:
                b = steps
                batch_logs = {"batch": b, "size": size}
                cbl.on_train_batch_begin(b, batch_logs)
                if out is None:
                    out = model._train_step(*item)
                batch_logs.update(zip(names, out))
                for i, v in enumerate(out):
                    sums[i] += v * size
                seen += size
                steps += 1
                cbl.on_train_batch_end(b, batch_logs)
            if model.stop_training:
                break
        if params.get("steps") is None and not model.stop_training:
            params["steps"] = steps
        epoch_logs = {k: s / max(seen, 1) for k, s in zip(names, sums)}
        if val is not None and validation_due(epoch, validation_freq):
            vals = val() if callable(val) else model._evaluate_arrays(val[0], val[1], val[2],
                                                                      params.get("batch_size") or 32)
            epoch_logs.update({f"val_{k}": v for k, v in zip(names, vals)})
        cbl.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
        if ran_out is not None and epoch + 1 < epochs and ran_out():
            warnings.warn(f"Your input ran out of data after epoch {epoch + 1} of {epochs}; interrupting training. "
                          "Make sure that your generator can produce at least `steps_per_epoch * epochs` batches "
                          "(loop forever and pass steps_per_epoch), or pass a Sequence or a re-iterable "
                          "(e.g. a list of batches), which start again each epoch.", RuntimeWarning, stacklevel=4)
            break
    cbl.on_train_end(epoch_logs)
    return model.history
