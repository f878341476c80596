"""Run by test_mpi_jobs.py under `mpiexec -n 2`: an MLP and a small CNN trained data-parallel for 2 epochs of 4 steps
(the sequence reshuffled per epoch), then compared on rank 0 with one process trained on the same global batches.
Prints one RESULT line (JSON) on rank 0; any failed check raises, which aborts the job (non-zero exit)."""
import json
import sys

import numpy as np

import pydl
import pydl.distributed as dist
from pydl.layers import Conv2D, Dense, Flatten, MaxPooling2D
from pydl.models import Sequential
from pydl.optimizers import SGD, Adam

N, LOCAL_BATCH, EPOCHS, SEED = 64, 8, 2, 7


def mlp():
    return Sequential([Dense(16, activation="relu", input_shape=(10,)), Dense(3, activation="softmax")])


def cnn():
    return Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), MaxPooling2D(2), Flatten(),
                       Dense(3, activation="softmax")])


def data(kind):
    rng = np.random.default_rng(123)  # the same global data on every rank
    x = rng.standard_normal((N, 10) if kind == "mlp" else (N, 8, 8, 1)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, N)]
    return x, y


def run(kind, build, make_opt):
    rank, size = dist.rank(), dist.size()
    pydl.manual_seed(100 + rank)  # different initial weights per rank: BroadcastInitialState must fix it
    model = build()
    model.compile(optimizer=dist.DistributedOptimizer(make_opt()), loss="categorical_crossentropy")
    initial = model.get_weights()
    firsts = dist.allgather(pydl.tensor(initial[0].reshape(1, -1))).numpy()
    assert not np.array_equal(firsts[0], firsts[1]), "ranks should start from different weights in this test"
    x, y = data(kind)
    seq = dist.DistributedSequence(x, y, batch_size=LOCAL_BATCH, seed=SEED)
    hist = model.fit(seq, epochs=EPOCHS, shuffle=False, verbose=0,
                     callbacks=[dist.BroadcastInitialState(), dist.MetricAverage()])
    final = np.concatenate([w.ravel() for w in model.get_weights()])
    every = dist.allgather(pydl.tensor(final.reshape(1, -1))).numpy()
    assert np.array_equal(every[0], every[1]), "ranks ended with different weights"
    losses = dist.allgather(pydl.tensor(np.array([hist.history["loss"]]))).numpy()
    assert np.array_equal(losses[0], losses[1]), "MetricAverage left the ranks with different epoch losses"
    if rank != 0:
        return None
    # one process, rank 0's initial weights, the same global batches (size * LOCAL_BATCH per step)
    ref = build()
    ref.compile(optimizer=make_opt(), loss="categorical_crossentropy")
    ref.set_weights(initial)
    ref_losses = []
    for epoch in range(EPOCHS):
        order = np.random.default_rng(SEED + epoch).permutation(N)
        h = ref.fit(x[order], y[order], batch_size=size * LOCAL_BATCH, epochs=1, shuffle=False, verbose=0)
        ref_losses += h.history["loss"]
    expect = np.concatenate([w.ravel() for w in ref.get_weights()])
    moved = float(np.max(np.abs(expect - np.concatenate([w.ravel() for w in initial]))))
    diff = float(np.max(np.abs(final - expect)))
    assert moved > 1e-3, f"{kind}: training barely moved the weights ({moved})"
    np.testing.assert_allclose(final, expect, rtol=1e-5, atol=1e-6, err_msg=f"{kind}: 2 ranks vs 1 process")
    np.testing.assert_allclose(hist.history["loss"], ref_losses, rtol=1e-5, err_msg=f"{kind}: epoch losses")
    return {"max_abs_diff": diff, "max_weight_change": moved, "bitwise_equal": bool(np.array_equal(final, expect)),
            "allreduce_calls": model.optimizer.fusion.calls}


def main():
    dist.init()
    assert dist.size() == 2, f"expected 2 ranks, got {dist.size()} (is mpiexec from the MPI mpi4py uses?)"
    out = {"mlp": run("mlp", mlp, lambda: SGD(lr=0.1, momentum=0.9)),
           "cnn": run("cnn", cnn, lambda: Adam(learning_rate=0.01))}
    if dist.is_primary():
        print("RESULT " + json.dumps(out))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
