"""The epoch loop of fit(): batching, callbacks, epoch averages, validation."""
from ..callbacks.base import CallbackList, History, ProgbarLogger
from . import data as data_mod


def fit_arrays(model, xs, ys, sws, batch_size, epochs, verbose, callbacks, val, shuffle, initial_epoch,
               validation_freq):
    n = len(xs[0])
    model.history = History()
    cbs = [ProgbarLogger()] if verbose else []
    cbs += list(callbacks or []) + [model.history]
    cbl = CallbackList(cbs)
    cbl.set_model(model)
    names = list(model.metrics_names)
    out_names = names + ([f"val_{m}" for m in names] if val is not None else [])
    steps = (n + batch_size - 1) // batch_size
    cbl.set_params({"batch_size": batch_size, "epochs": epochs, "steps": steps, "samples": n, "verbose": verbose,
                    "do_validation": val is not None, "metrics": out_names})
    for cb in cbl:
        if val is not None:
            cb.validation_data = val
    model.stop_training = False
    cbl.on_train_begin({})
    epoch_logs = {}
    for epoch in range(initial_epoch, epochs):
        cbl.on_epoch_begin(epoch, {})
        sums = [0.0] * len(names)
        seen = 0
        for b, sl in enumerate(data_mod.batch_slices(n, batch_size, shuffle)):
            bx, by, bw = data_mod.take(xs, sl), data_mod.take(ys, sl), data_mod.take(sws, sl)
            size = len(bx[0])
            batch_logs = {"batch": b, "size": size}
            cbl.on_train_batch_begin(b, batch_logs)
            out = model._train_step(bx, by, bw)
            batch_logs.update(zip(names, out))
            for i, v in enumerate(out):
                sums[i] += v * size
            seen += size
            cbl.on_train_batch_end(b, batch_logs)
            if model.stop_training:
                break
        epoch_logs = {k: s / max(seen, 1) for k, s in zip(names, sums)}
        if val is not None and (epoch + 1) % validation_freq == 0:
            vals = model._evaluate_arrays(val[0], val[1], val[2], batch_size)
            epoch_logs.update({f"val_{k}": v for k, v in zip(names, vals)})
        cbl.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    cbl.on_train_end(epoch_logs)
    return model.history
