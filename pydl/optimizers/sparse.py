"""Lazy (row-sparse) updates of embedding tables: where the rule leaves a zero-gradient row exactly as it is, only the
rows a batch looked up are updated, which gives the dense update's result bit for bit.

Covered: SGD without momentum (p -= lr g) and Adagrad with epsilon > 0 (a += g**2; p -= lr g / (sqrt(a) + eps)):
a zero gradient row keeps p (and a) unchanged. Not covered, so always dense: SGD with momentum, RMSprop, Adadelta,
Adam and Nadam, whose slots decay (and whose parameters keep moving) on every step even where the gradient is zero
(Keras's dense semantics), subclasses (which may change the rule), and any rule with `clipnorm` or `global_clipnorm`,
whose norms would be summed in another order.

Embedding layers note the ids they look up while gradients are recorded (`note_rows`); the next optimizer step reads
and forgets them. The lazy path is taken only when it is cheaper: at most 1/8 of the table's rows touched, a table of
at least 65,536 elements on the CPU, and only when the gradient given is zero (every bit) outside the noted rows: a
table also used by another op (tied weights, ops.embedding called directly, a loss on the table) or a gradient
edited before apply_gradients falls back to the dense update. Embedding skips noting when it has a regularizer.
"""
import weakref

import numpy as np

from .. import nn_ops, ops
from ..autograd import no_grad
from .._indexing import _scatter_rows

# id(table) -> (weak reference to the table, [id arrays]); a table that dies takes its entry with it
_noted = {}
lazy_updates = 0  # how many table updates took the lazy path (read by tests and benchmarks)
_MIN_TABLE = 1 << 16  # elements; a smaller table's dense update costs less than the lazy path's fixed overhead


noting = [True]  # off while a step plan records (pydl/models/plans.py): a replayed step notes nothing


def note_rows(table, ids):
    """Records that `ids` (an integer tensor) were looked up in `table` for the next optimizer step."""
    if table.device.type != "cpu" or not noting[0]:
        return
    key = id(table)
    entry = _noted.get(key)
    if entry is None or entry[0]() is not table:
        entry = _noted[key] = (weakref.ref(table, lambda _, k=key: _noted.pop(k, None)), [])
    arrays = entry[1]
    # The caller notes only ids its lookup already checked against the table (ops.embedding raises otherwise).
    arrays.append(np.array(ids, dtype=np.int64, copy=True).reshape(-1))
    if sum(a.size for a in arrays) > table.shape[0]:  # bounded memory: past this, one row list costs the same
        arrays[:] = [_rows(table, arrays)]


def _rows(table, arrays):
    mask = np.zeros(table.shape[0], dtype=bool)
    for a in arrays:
        mask[a] = True
    return np.flatnonzero(mask)


def lazy_exact(opt):
    """Whether `opt` leaves a parameter (and its slots) unchanged where the gradient is zero, so that it may update
    noted embedding rows alone (SGD without momentum, Adagrad)."""
    if opt.clipnorm or opt.global_clipnorm:
        return False
    rule = vars(type(opt)).get("_lazy_rows_exact")  # pydl's own SGD / Adagrad only, never a subclass
    return rule is not None and bool(rule(opt))


def _zero_elsewhere(g, rows):
    """Whether every bit of `g` outside `rows` is zero (-0.0 too: the dense update would turn p = -0.0 into +0.0);
    reads the gradient in place, without writing it."""
    try:
        a = np.asarray(g)
        bits = np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")
    except (TypeError, ValueError):
        return False
    return np.count_nonzero(bits) == np.count_nonzero(bits[rows])


def split(opt, params, grads, clear_grad=False):
    """Takes the noted tables out of (params, grads) and updates those the lazy way when exact and cheaper
    (grads None: each table's .grad; the table's .grad is reset afterwards when clear_grad, as the dense path does).
    Returns (the remaining params, their grads or None, the number of tables updated here); forgets every note
    of the params given, used or not."""
    global lazy_updates
    entries = [_noted.pop(id(p), None) for p in params] if _noted else []
    if not any(e is not None and e[0]() is p for e, p in zip(entries, params)):
        return params, grads, 0
    for p in params:  # slots are created in the parameters' order, as the dense path does (get_weights' order)
        opt._slots_for(p)
    exact = lazy_exact(opt)
    rest, rest_g, done, kw = [], [] if grads is not None else None, 0, None
    for i, p in enumerate(params):
        g = p.grad if grads is None else grads[i]
        e = entries[i]
        rows = None
        if exact and e is not None and e[0]() is p and g is not None and p.ndim == 2 \
                and p.dtype.is_floating_point and g.shape == p.shape and p.is_contiguous():
            rows = _rows(p, e[1])
            # gather + kernel + scatter move each row about 5 times, and the Python around them costs ~0.1 ms
            if 8 * len(rows) > p.shape[0] or p.size < _MIN_TABLE or not _zero_elsewhere(g, rows):
                rows = None
        if rows is None:
            rest.append(p)
            if rest_g is not None:
                rest_g.append(g)
            continue
        kw = kw or opt._prepare()
        _update_rows(opt, p, g, rows, kw)
        if clear_grad:
            p.grad = None
        done += 1
    lazy_updates += done
    return rest, rest_g, done


def _update_rows(opt, p, g, rows, kw):
    """The rule's own fused kernel on the gathered rows (the same arithmetic per element), written back."""
    with no_grad():
        index = rows.astype(np.int64)
        p_rows, g_rows = ops.take(p, index, axis=0), ops.take(g, index, axis=0)
        slots = opt._slots_for(p)
        s_rows = [ops.take(s, index, axis=0) for s in slots]
        nn_ops.optim_update(opt._kind, [p_rows], [g_rows], [s_rows], **kw)
        _scatter_rows(p, index, p_rows)
        for s, r in zip(slots, s_rows):
            _scatter_rows(s, index, r)
