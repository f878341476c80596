"""Run by test_mpi_jobs.py under `mpiexec -n 2` with a shared directory: 2 epochs straight through, against 1 epoch
checkpointed by rank 0 only (primary_only(ModelCheckpoint)), reloaded on every rank with load_model and resumed at
initial_epoch=1. The resumed run must end with the same weights, bit for bit (Adam's slots and step count travel
in the checkpoint; the data order continues through DistributedSequence(initial_epoch=1))."""
import json
import os
import sys

import numpy as np

import pydl
import pydl.distributed as dist
from pydl.callbacks import ModelCheckpoint
from pydl.layers import Dense
from pydl.models import Sequential, load_model
from pydl.optimizers import Adam


def build(initial):
    model = Sequential([Dense(8, activation="tanh", input_shape=(6,)), Dense(2, activation="softmax")])
    model.compile(optimizer=dist.DistributedOptimizer(Adam(learning_rate=0.02)), loss="categorical_crossentropy")
    if initial is not None:
        model.set_weights(initial)
    return model


def main(folder):
    dist.init()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 6)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 40)]
    pydl.manual_seed(11)  # the same seed on both ranks here: the straight and resumed runs start alike
    initial = build(None).get_weights()

    straight = build(initial)
    straight.fit(dist.DistributedSequence(x, y, batch_size=5, seed=1), epochs=2, shuffle=False, verbose=0,
                 callbacks=[dist.MetricAverage()])

    path = os.path.join(folder, "ckpt.pydl")
    first = build(initial)
    first.fit(dist.DistributedSequence(x, y, batch_size=5, seed=1), epochs=1, shuffle=False, verbose=0,
              callbacks=[dist.MetricAverage()] + dist.primary_only([ModelCheckpoint(path)]))
    dist.barrier()  # rank 0 has written and renamed the file
    assert os.path.exists(path) and len(os.listdir(folder)) == 1, os.listdir(folder)  # one writer, no temp left
    resumed = load_model(path)
    assert resumed.optimizer.iterations == 4, resumed.optimizer.iterations
    resumed.optimizer = dist.DistributedOptimizer(resumed.optimizer)
    resumed.fit(dist.DistributedSequence(x, y, batch_size=5, seed=1, initial_epoch=1), epochs=2, initial_epoch=1,
                shuffle=False, verbose=0, callbacks=[dist.BroadcastInitialState(), dist.MetricAverage()])
    a = np.concatenate([w.ravel() for w in straight.get_weights()])
    b = np.concatenate([w.ravel() for w in resumed.get_weights()])
    assert np.array_equal(a, b), f"resumed run differs by {np.max(np.abs(a - b))}"
    if dist.is_primary():
        print("RESULT " + json.dumps({"iterations": resumed.optimizer.iterations, "moved": float(
            np.max(np.abs(a - np.concatenate([w.ravel() for w in initial]))))}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
