"""Each rank's share of the data: a permutation of every index drawn from a seed all ranks share (a new one each
epoch), dealt out rank by rank, so that the shards are disjoint, cover the data, and are the same size on every
rank (a rank with one batch more would wait forever in its extra allreduce).

Batch k of the job is the union of batch k of every rank: with `size` ranks and local batches of b, one step sees
size * b samples, the global batch. Without shuffling, rank r holds samples r, r + size, r + 2 size, ..., so batch k
of the job is samples [k * size * b, (k + 1) * size * b) in order: what one process with batch size * b would see.
"""
import math

import numpy as np

from ..utils import Sequence
from . import comm


def _rank_size(rank, size):
    if rank is None or size is None:
        rank, size = comm.rank() if rank is None else rank, comm.size() if size is None else size
    for name, v in (("rank", rank), ("size", size)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{name} must be an integer, got {v!r}")
    if size < 1 or not 0 <= rank < size:
        raise ValueError(f"need 0 <= rank < size, got rank={rank}, size={size}")
    return int(rank), int(size)


class DistributedSampler:
    """The indices of this rank's shard of n samples, for one epoch at a time (like PyTorch's DistributedSampler).

    shuffle: permute with np.random.default_rng(seed + epoch) (the same on every rank). drop_last=False pads the
    permutation with its first indices so that every rank gets ceil(n / size); True drops the tail instead
    (floor(n / size) each)."""

    def __init__(self, n, rank=None, size=None, shuffle=True, seed=0, drop_last=False):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"DistributedSampler: n must be an integer >= 0, got {n!r}")
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"DistributedSampler: seed must be an integer >= 0 shared by every rank, got {seed!r}")
        self.n, self.shuffle, self.seed, self.drop_last = int(n), bool(shuffle), int(seed), bool(drop_last)
        self.rank, self.size = _rank_size(rank, size)
        self.epoch = 0
        self.per_rank = self.n // self.size if drop_last else math.ceil(self.n / self.size)
        if self.n and not self.per_rank:
            raise ValueError(f"DistributedSampler: {self.n} samples cannot give each of {self.size} ranks one "
                             "(drop_last=True)")

    def set_epoch(self, epoch):
        """Selects the epoch's permutation (call it before each epoch, or when resuming at initial_epoch)."""
        if not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"DistributedSampler: epoch must be an integer >= 0, got {epoch!r}")
        self.epoch = int(epoch)

    def indices(self):
        order = np.random.default_rng(self.seed + self.epoch).permutation(self.n) if self.shuffle \
            else np.arange(self.n)
        total = self.per_rank * self.size
        if total > self.n:  # pad by wrapping around (ceil(n / size) * size - n < size extra indices)
            order = np.concatenate([order, np.resize(order, total - self.n)])
        return order[:total][self.rank::self.size]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.per_rank


def _take(data, idx):
    if data is None:
        return None
    if isinstance(data, (list, tuple)):
        return [np.asarray(d)[idx] for d in data]
    if isinstance(data, dict):
        return {k: np.asarray(v)[idx] for k, v in data.items()}
    return np.asarray(data)[idx]


def _length(x):
    first = x[0] if isinstance(x, (list, tuple)) else next(iter(x.values())) if isinstance(x, dict) else x
    return len(first)


class DistributedSequence(Sequence):
    """A Sequence of this rank's batches for fit(seq, epochs=..., shuffle=False): x, y (arrays, lists or dicts of
    arrays) and optional sample weights, sharded by a DistributedSampler that advances its epoch after each pass.
    Pass shuffle=False to fit (the sequence shuffles itself, the same way on every rank) and, when resuming,
    initial_epoch here as well."""

    def __init__(self, x, y=None, batch_size=32, sample_weight=None, shuffle=True, seed=0, drop_last=False,
                 rank=None, size=None, initial_epoch=0):
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DistributedSequence: batch_size must be an integer >= 1, got {batch_size!r}")
        self.x, self.y, self.sample_weight, self.batch_size = x, y, sample_weight, int(batch_size)
        self.sampler = DistributedSampler(_length(x), rank, size, shuffle, seed, drop_last)
        self.sampler.set_epoch(initial_epoch)
        self._idx = self.sampler.indices()

    def __len__(self):
        return math.ceil(len(self.sampler) / self.batch_size)

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(f"DistributedSequence: batch {i} out of range for {len(self)} batches")
        i %= len(self)
        idx = self._idx[i * self.batch_size:(i + 1) * self.batch_size]
        batch = (_take(self.x, idx), _take(self.y, idx))
        return batch if self.sample_weight is None else batch + (_take(self.sample_weight, idx),)

    def on_epoch_end(self):
        self.sampler.set_epoch(self.sampler.epoch + 1)
        self._idx = self.sampler.indices()


def shard(x, y=None, rank=None, size=None, shuffle=False, seed=0, drop_last=False):
    """(x, y) restricted to this rank's shard, once (for fit on arrays; for a new shard each epoch use
    DistributedSequence). With shuffle, the samples are first permuted by the shared seed."""
    sampler = DistributedSampler(_length(x), rank, size, shuffle, seed, drop_last)
    idx = sampler.indices()
    return _take(x, idx), _take(y, idx)
