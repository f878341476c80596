"""Run by test_mpi_jobs.py under `mpiexec -n 2`: fit(x, y, distributed=True) on in-memory arrays, shuffled, for one
epoch, a second fit that resumes at epoch 1 (the optimizer wrapped once, kept across fits), and a third on a
DistributedSequence, compared on rank 0 with one process trained on the same global batches. Prints one RESULT line
(JSON) on rank 0."""
import json
import sys

import numpy as np

import pydl
import pydl.distributed as dist
from pydl.layers import Dense
from pydl.models import Sequential
from pydl.optimizers import SGD

N, LOCAL_BATCH, SEED = 64, 8, 11


def build():
    return Sequential([Dense(16, activation="relu", input_shape=(10,)), Dense(3, activation="softmax")])


def main():
    rng = np.random.default_rng(5)  # the same global data on every rank
    x = rng.standard_normal((N, 10)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, N)]
    dist.init()  # here only to seed the ranks differently: fit(distributed=True) would call it
    pydl.manual_seed(200 + dist.rank())  # fit must broadcast rank 0's weights
    model = build()
    model.compile(optimizer=SGD(lr=0.1, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
    np.random.seed(SEED)  # fit draws the shuffling seed from NumPy's generator
    h1 = model.fit(x, y, batch_size=LOCAL_BATCH, epochs=1, verbose=2, distributed=True)
    rank, size = dist.rank(), dist.size()
    assert size == 2, f"expected 2 ranks, got {size}"
    opt = model.optimizer
    assert dist.is_distributed(opt) and opt.fusion.calls == 4, opt.fusion.calls  # 64 / (2 x 8) steps
    h2 = model.fit(x, y, batch_size=LOCAL_BATCH, epochs=2, initial_epoch=1, verbose=2, distributed=True)
    assert model.optimizer is opt and opt.fusion.calls == 8, "the second fit must keep the one wrap"
    seq = dist.DistributedSequence(x, y, batch_size=LOCAL_BATCH, seed=SEED)  # shuffles itself: fit's shuffle is off
    model.fit(seq, epochs=1, verbose=0, distributed=True)
    assert model.optimizer is opt and opt.fusion.calls == 12
    final = np.concatenate([w.ravel() for w in model.get_weights()])
    every = dist.allgather(pydl.tensor(final.reshape(1, -1))).numpy()
    assert np.array_equal(every[0], every[1]), "ranks ended with different weights"
    losses = h1.history["loss"] + h2.history["loss"]
    if rank != 0:
        return
    # one process from rank 0's initial weights (seed 200), on the global batches of 16 in the job's order
    pydl.manual_seed(200)
    ref = build()
    initial = np.concatenate([w.ravel() for w in ref.get_weights()])
    ref.compile(optimizer=SGD(lr=0.1, momentum=0.9), loss="categorical_crossentropy")
    np.random.seed(SEED)
    seeds = [np.random.randint(2 ** 31 - 1) for _ in range(2)]  # each fit draws one
    ref_losses = []
    # the two fits' epochs 0 and 1 (each fit drew its seed), then the sequence's epoch 0 (its own seed)
    for seed in (seeds[0] + 0, seeds[1] + 1, SEED + 0):
        order = np.random.default_rng(seed).permutation(N)
        h = ref.fit(x[order], y[order], batch_size=size * LOCAL_BATCH, epochs=1, shuffle=False, verbose=0)
        ref_losses += h.history["loss"]
    ref_losses = ref_losses[:2]
    expect = np.concatenate([w.ravel() for w in ref.get_weights()])
    moved = float(np.max(np.abs(expect - initial)))
    assert moved > 1e-3, f"training barely moved the weights ({moved})"
    np.testing.assert_allclose(final, expect, rtol=1e-5, atol=1e-6, err_msg="2 ranks vs 1 process")
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5, err_msg="averaged epoch losses vs 1 process")
    print("RESULT " + json.dumps({"max_abs_diff": float(np.max(np.abs(final - expect))), "moved": moved,
                                  "losses": losses}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
