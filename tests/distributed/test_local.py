"""pydl.distributed's parts that need no MPI job: the fusion plan, the threshold setting, the data shards, and the
errors before init(). (The two-rank jobs are in test_mpi_jobs.py.)"""
import numpy as np
import pytest

import pydl
import pydl.distributed as dist
from pydl.distributed.fusion import ALONE, DEFAULT_THRESHOLD, plan


def _t(n, dtype="float32"):
    return pydl.zeros(n, dtype=dtype)


def test_plan_cuts_buffers_at_the_threshold_per_dtype():
    ts = [_t(10), _t(10), _t(5, "float64"), _t(10), _t(0), _t(100), _t(3, "float64"), _t(4)]
    assert plan(ts, 100) == [[0, 1], [2, 6], [3, 4, 7], [5]]
    assert plan(ts, 0) == [[i] for i in range(len(ts))]  # 0: one collective per tensor
    assert plan(ts, 10 ** 9) == [[0, 1, 3, 4, 5, 7], [2, 6]]
    assert plan(ts, 80) == [[0, 1], [2, 6], [3, 4, 7], [5]]  # exactly full: 40 + 40 = 80 fits
    assert plan([], 100) == []
    big = [_t(10), _t(ALONE // 4), _t(10), _t(ALONE // 4 - 1)]  # 1 MiB or more is reduced alone, in its own memory
    assert plan(big, 10 ** 9) == [[0, 2, 3], [1]]


def test_fusion_threshold_from_env_and_argument(monkeypatch):
    monkeypatch.delenv("PYDL_FUSION_THRESHOLD", raising=False)
    assert dist.fusion_threshold() == DEFAULT_THRESHOLD == 64 * 2 ** 20
    monkeypatch.setenv("PYDL_FUSION_THRESHOLD", "4096")
    assert dist.fusion_threshold() == 4096
    assert dist.fusion_threshold(0) == 0
    monkeypatch.setenv("PYDL_FUSION_THRESHOLD", "64MB")
    with pytest.raises(ValueError, match="PYDL_FUSION_THRESHOLD.*'64MB'"):
        dist.fusion_threshold()
    with pytest.raises(ValueError, match="fusion_threshold.*-1"):
        dist.fusion_threshold(-1)
    with pytest.raises(ValueError, match="fusion_threshold.*1.5"):
        dist.fusion_threshold(1.5)


@pytest.mark.parametrize("n,size,drop_last", [(10, 3, False), (10, 3, True), (8, 2, False), (1, 2, False)])
def test_sampler_shards_are_disjoint_equal_and_reshuffled(n, size, drop_last):
    shards = [dist.DistributedSampler(n, rank=r, size=size, seed=5, drop_last=drop_last) for r in range(size)]
    per = n // size if drop_last else -(-n // size)
    for epoch in (0, 1):
        for s in shards:
            s.set_epoch(epoch)
        got = [s.indices() for s in shards]
        assert all(len(g) == per == len(s) for g, s in zip(got, shards))
        flat = np.concatenate(got)
        if drop_last:
            assert len(set(flat.tolist())) == len(flat)  # disjoint
        else:
            assert set(flat.tolist()) == set(range(n))  # every sample, a few twice as padding
        dealt = np.empty(per * size, np.int64)
        for r, g in enumerate(got):
            dealt[r::size] = g
        perm = np.random.default_rng(5 + epoch).permutation(n)  # the shared seed's order, dealt out rank by rank
        assert np.array_equal(dealt, np.resize(perm, per * size))
    a = dist.DistributedSampler(100, rank=0, size=2, seed=5)
    first = a.indices()
    a.set_epoch(1)
    assert not np.array_equal(first, a.indices())  # a new order each epoch


def test_sampler_without_shuffle_deals_round_robin():
    s = dist.DistributedSampler(7, rank=1, size=2, shuffle=False)
    assert s.indices().tolist() == [1, 3, 5, 0]  # padded with the first index


def test_sequence_batches_and_epochs():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    seq = dist.DistributedSequence(x, y, batch_size=3, seed=1, rank=0, size=2)
    assert len(seq) == 2  # 5 samples -> batches of 3 and 2
    bx, by = seq[0]
    assert bx.shape == (3, 2) and np.array_equal(bx[:, 0] // 2, by)
    before = np.concatenate([seq[i][1] for i in range(len(seq))])
    seq.on_epoch_end()
    after = np.concatenate([seq[i][1] for i in range(len(seq))])
    assert seq.sampler.epoch == 1 and not np.array_equal(before, after)
    with pytest.raises(IndexError, match="batch 2 out of range"):
        seq[2]
    xs, ys = dist.shard(x, y, rank=1, size=2)
    assert ys.tolist() == [1, 3, 5, 7, 9] and xs.shape == (5, 2)


@pytest.mark.parametrize("kwargs,match", [
    (dict(n=-1, rank=0, size=2), "n must be an integer >= 0"),
    (dict(n=4, rank=2, size=2), "0 <= rank < size"),
    (dict(n=4, rank=0, size=0), "0 <= rank < size"),
    (dict(n=4, rank=0, size=2, seed=-3), "seed must be"),
    (dict(n=1, rank=0, size=2, drop_last=True), "cannot give each of 2 ranks one"),
])
def test_sampler_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dist.DistributedSampler(**kwargs)


def test_before_init_the_calls_say_so():
    if dist.is_initialized():
        pytest.skip("MPI was initialized in this process")
    for fn in (dist.rank, dist.size, dist.barrier, lambda: dist.allreduce(pydl.ones(2)),
               lambda: dist.DistributedOptimizer("sgd")):
        with pytest.raises(RuntimeError, match="call pydl.distributed.init"):
            fn()
    with pytest.raises(ValueError, match="op must be one of 'average', 'sum'"):
        dist.allreduce(pydl.ones(2), op="mean")
    with pytest.raises(TypeError, match="expected a pydl.Tensor, got ndarray"):
        dist.allreduce(np.ones(2))


def test_pydl_info_names_the_mpi_library():
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(pydl.__file__)))  # the pydl this process imported
    env = dict(os.environ, PYDL_DISABLE_PLUGINS="1")
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = subprocess.run([sys.executable, "-m", "pydl", "info"], capture_output=True, text=True, env=env,
                         check=True).stdout
    row = [ln for ln in out.splitlines() if ln.startswith("mpi ")]
    assert len(row) == 1, out
    try:
        import mpi4py
    except ImportError:
        assert "not installed (pip install 'pydl-core[mpi]'" in row[0]
    else:
        assert f"mpi4py {mpi4py.__version__}" in row[0] and "standard " in row[0], row[0]


def test_fit_distributed_refuses_other_batch_sources_and_non_bools():
    from pydl.layers import Dense
    from pydl.models import Sequential
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((8, 3), np.float32), np.zeros((8, 2), np.float32)
    before = model.optimizer
    with pytest.raises(ValueError, match=r"distributed=True.*not a generator.*DistributedSequence"):
        model.fit(((x, y) for _ in range(2)), steps_per_epoch=2, distributed=True)
    with pytest.raises(TypeError, match="distributed must be True or False, got 'yes'"):
        model.fit(x, y, distributed="yes")
    assert model.optimizer is before and not dist.is_initialized()  # refused before MPI or the optimizer is touched
