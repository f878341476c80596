"""embedding suite: one training step of the book's Embedding(5000, 64) on a batch of 128 length-400 reviews:
the row gather forward, then the table gradient from a fixed output gradient. NumPy's way is np.take and
np.add.at; PyTorch's is nn.functional.embedding. The check compares the table gradient."""
import numpy as np

import pydl

from ..case import Case, register


def _np_step(table, ids, g):
    np.take(table, ids, axis=0)
    grad = np.zeros_like(table)
    np.add.at(grad, ids.reshape(-1), g.reshape(-1, table.shape[1]))
    return grad


@register("embedding")
def cases(quick, torch):
    rng = np.random.default_rng(2)
    v, d, batch, length = 5000, 64, (32 if quick else 128), 400
    table = rng.uniform(-0.05, 0.05, (v, d)).astype(np.float32)
    ids = rng.integers(0, v, size=(batch, length)).astype(np.int32)
    g = rng.standard_normal((batch, length, d), dtype=np.float32)
    pt, pids, pg = pydl.tensor(table, requires_grad=True), pydl.tensor(ids), pydl.tensor(g)

    def pstep():
        pt.grad = None
        pydl.ops.embedding(pids, pt).backward(pg)
        return pt.grad

    fns = {"pydl": pstep, "numpy": lambda: _np_step(table, ids, g)}
    if torch:
        tt = torch.tensor(table, requires_grad=True)
        tids, tg = torch.tensor(ids.astype(np.int64)), torch.tensor(g)

        def tstep():
            tt.grad = None
            torch.nn.functional.embedding(tids, tt).backward(tg)
            return tt.grad

        fns["torch"] = tstep
    nbytes = 4.0 * (2 * g.size + 2 * table.size) + ids.nbytes  # rows out and back, the table's gradient, the ids
    yield Case("embedding", f"{batch}x{length} ids, {v}x{d} table", "GB/s", nbytes, fns, tol=1e-5)
