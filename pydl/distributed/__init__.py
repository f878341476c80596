"""Data-parallel training over MPI (Horovod's design, on mpi4py): every rank holds the whole model, reads its own
shard of the data, and averages gradients with allreduce before each update, so that N ranks with local batches of
b train as one process would on global batches of N * b. Install with `pip install "pydl-core[mpi]"` (mpi4py and the
mpich wheel) and launch with `mpiexec -n N python train.py`; docs/distributed.md has the full pattern.

>>> import pydl.distributed as dist
>>> dist.init()
>>> model.compile(optimizer=dist.DistributedOptimizer(SGD(lr=0.01)), loss="categorical_crossentropy")
>>> model.fit(dist.DistributedSequence(x, y, batch_size=64, seed=0), epochs=5, shuffle=False,
...           verbose=dist.verbosity(1),
...           callbacks=[dist.BroadcastInitialState(), dist.MetricAverage()] + dist.primary_only([checkpoint]))

Importing this module does not import mpi4py; init() does.
"""
from .callbacks import (BroadcastInitialState, LearningRateWarmup, MetricAverage, broadcast_model, broadcast_variables,
                        primary_only, verbosity)
from .comm import (abort, allgather, allreduce, barrier, broadcast, init, is_initialized, is_primary, local_rank,
                   local_size, mpi_info, rank, size)
from .data import DistributedSampler, DistributedSequence, shard
from .fusion import fusion_threshold
from .optimizer import DistributedOptimizer, is_distributed

__all__ = ["init", "is_initialized", "rank", "size", "local_rank", "local_size", "is_primary", "barrier", "abort",
           "allreduce", "broadcast", "allgather", "mpi_info", "DistributedOptimizer", "is_distributed",
           "fusion_threshold", "BroadcastInitialState", "MetricAverage", "LearningRateWarmup", "broadcast_model",
           "broadcast_variables", "primary_only", "verbosity", "DistributedSampler", "DistributedSequence", "shard"]
