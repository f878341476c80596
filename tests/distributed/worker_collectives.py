"""Run by test_mpi_jobs.py under `mpiexec -n 2`: collectives on odd, 0-size, fp64, integer and non-contiguous
tensors, fusion buffers cut at PYDL_FUSION_THRESHOLD, DistributedOptimizer with a gradient missing on one rank,
and the warm-up and rank-0-only helpers. Every check is an assert (a failure aborts the job); rank 0 prints a
RESULT line with what it measured."""
import json

import numpy as np

import pydl
import pydl.distributed as dist
from pydl.optimizers import SGD


def values(shape, dtype, rank):
    n = int(np.prod(shape))
    return ((np.arange(n) % 13 + 0.25) * (rank + 1)).astype(dtype).reshape(shape)


def collectives(rank, size):
    checked = 0
    for dtype in ("float32", "float64"):
        for shape in [(7,), (1001,), (3, 5), (0,), (2, 0, 3), ()]:
            mine = values(shape, dtype, rank)
            everyone = [values(shape, dtype, r) for r in range(size)]
            t = pydl.tensor(mine)
            got = dist.allreduce(t)
            np.testing.assert_allclose(got.numpy(), sum(everyone) / size, rtol=1e-6)
            assert str(got.dtype) == dtype and got.shape == mine.shape
            np.testing.assert_array_equal(t.numpy(), mine)  # inplace=False leaves the input alone
            dist.allreduce(t, op="sum", inplace=True)
            np.testing.assert_allclose(t.numpy(), sum(everyone), rtol=1e-6)
            b = pydl.tensor(mine.copy())
            dist.broadcast(b, root=1)
            np.testing.assert_array_equal(b.numpy(), everyone[1])
            g = dist.allgather(pydl.tensor(mine))
            np.testing.assert_array_equal(g.numpy(), np.concatenate([e if e.ndim else e.reshape(1) for e in everyone]))
            checked += 1
    # integers: sum only
    ti = pydl.tensor(np.array([1, 2, 3], np.int64) * (rank + 1))
    np.testing.assert_array_equal(dist.allreduce(ti, op="sum").numpy(), [3, 6, 9])
    try:
        dist.allreduce(ti)
        raise AssertionError("average of int64 should raise")
    except TypeError as e:
        assert "int64" in str(e)
    # uneven first dimension in allgather
    g = dist.allgather(pydl.ones(rank + 2, 3, dtype="float64") * rank).numpy()
    assert g.shape == (5, 3) and g[:2].sum() == 0 and np.all(g[2:] == 1)
    # a non-contiguous tensor (a transposed view) is staged and written back through its strides
    base = pydl.tensor(values((4, 3), "float32", rank))
    view = base.T
    assert not view.is_contiguous()
    dist.allreduce(view, op="sum", inplace=True)
    np.testing.assert_allclose(base.numpy(), sum(values((4, 3), "float32", r) for r in range(size)), rtol=1e-6)
    # a broadcast whose shapes disagree raises on every rank (nobody is left waiting)
    try:
        dist.broadcast(pydl.zeros(3 + rank), root=0)
        raise AssertionError("mismatched broadcast should raise")
    except ValueError as e:
        assert "rank(s) 1 differ" in str(e), str(e)
    return checked


def fusion(rank, size):
    """Threshold 100 bytes: f32 40 B + 40 B fit one buffer, the third 40 B opens a new one; f64 tensors have their
    own buffers; a 400 B tensor travels alone; a 0-size tensor joins the open buffer."""
    shapes = [((10,), "float32"), ((10,), "float32"), ((5,), "float64"), ((10,), "float32"), ((0,), "float32"),
              ((100,), "float32"), ((3,), "float64"), ((2, 2), "float32")]
    tensors = [pydl.tensor(values(s, d, rank)) for s, d in shapes]
    opt = dist.DistributedOptimizer(SGD(lr=1.0), fusion_threshold=None)  # from PYDL_FUSION_THRESHOLD (100)
    assert opt.fusion.threshold == 100, opt.fusion.threshold
    opt.fusion.run(tensors, "average")
    expect = [[0, 1], [2, 6], [3, 4, 7], [5]]
    assert opt.fusion.last_plan == expect, opt.fusion.last_plan
    assert opt.fusion.calls == len(expect)
    for t, (s, d) in zip(tensors, shapes):
        np.testing.assert_allclose(t.numpy(), sum(values(s, d, r) for r in range(size)) / size, rtol=1e-6)
    return opt.fusion.last_plan


def missing_grad(rank, size):
    """Rank 1 has no gradient for b: it gets a zero one, so that both ranks apply the same update to b."""
    w = pydl.tensor(np.ones(3, np.float32), requires_grad=True)
    b = pydl.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = dist.DistributedOptimizer(SGD(lr=1.0))
    gw = pydl.tensor(np.full(3, 2.0 * (rank + 1), np.float32))
    gb = pydl.tensor(np.full(2, 4.0, np.float32)) if rank == 0 else None
    opt.apply_gradients([(gw, w), (gb, b)])
    np.testing.assert_allclose(w.numpy(), 1 - (2 + 4) / 2)
    np.testing.assert_allclose(b.numpy(), 1 - 4 / 2)


def callbacks(rank, size):
    """LearningRateWarmup ramps lr / size -> lr over warmup_epochs; primary_only / verbosity keep output on rank 0."""
    class Model:
        optimizer = SGD(lr=0.8)
    warm = dist.LearningRateWarmup(warmup_epochs=2, steps_per_epoch=4)
    warm.set_model(Model())
    warm.on_train_begin()
    seen = []
    for epoch in range(3):
        warm.on_epoch_begin(epoch)
        for batch in (0, 2):
            warm.on_train_batch_begin(batch)
            seen.append(Model.optimizer.learning_rate)
    np.testing.assert_allclose(seen, [0.4, 0.5, 0.6, 0.7, 0.8, 0.8])
    assert dist.primary_only(["ckpt"]) == (["ckpt"] if rank == 0 else [])
    assert dist.verbosity(2) == (2 if rank == 0 else 0)


def main():
    dist.init()
    rank, size = dist.rank(), dist.size()
    assert size == 2, f"expected 2 ranks, got {size}"
    checked = collectives(rank, size)
    plan = fusion(rank, size)
    missing_grad(rank, size)
    callbacks(rank, size)
    dist.barrier()
    if dist.is_primary():
        print("RESULT " + json.dumps({"cases": checked, "plan": plan, "local_rank": dist.local_rank()}), flush=True)


if __name__ == "__main__":
    main()
