"""DistributedOptimizer: any pydl optimizer whose update first averages the gradients over every rank (Horovod's
design), so that N ranks on local batches of b take the step one process would take on the global batch of N*b.

The wrapper is a subclass made on the fly of the optimizer's own class, with the same name: fit(), compile(),
serialization and model.save see the optimizer they know (a saved model loads as the plain optimizer). Only
apply_to (fit's fused path) and apply_gradients (custom loops) change: they average the .grad tensors in place,
fused into few allreduces (see fusion.py), then run the wrapped class's update unchanged.
"""
import numpy as np

from ..optimizers import Optimizer, get
from ..tensor import zeros
from . import comm
from .fusion import Fusion


class _Distributed:
    _fusion = None

    def _average(self, params, grads):
        """Averages grads in place. A parameter whose gradient is None on some ranks but not others gets a zero
        gradient on those ranks (its update must be the same everywhere); one byte per parameter says which."""
        c, MPI = comm._comm(), comm._state["MPI"]
        if c.Get_size() == 1:  # the same script run alone: nothing to average
            return grads
        have = np.array([g is not None for g in grads], np.uint8)
        comm.collective("Allreduce", "gradient allreduce (which grads exist)", MPI.IN_PLACE, have, op=MPI.MAX)
        out = []
        for p, g, h in zip(params, grads, have):
            if g is None and h:
                g = zeros(tuple(p.shape), dtype=p.dtype, device=p.device)
            out.append(g)
        self._fusion.run([g for g in out if g is not None], "average")
        return out

    def apply_to(self, params, clear_grad=True):
        params = list(params)
        grads = self._average(params, [p.grad for p in params])
        for p, g in zip(params, grads):
            if g is not None and p.grad is None:
                p.grad = g
        return super().apply_to(params, clear_grad)

    def apply_gradients(self, grads_and_vars):
        """As the wrapped optimizer's, after averaging the gradients over every rank (in place)."""
        pairs = list(grads_and_vars)
        grads = self._average([v for _, v in pairs], [g for g, _ in pairs])
        return super().apply_gradients(list(zip(grads, [v for _, v in pairs])))

    @property
    def fusion(self):
        """The fusion engine: .threshold (bytes), .calls (allreduces posted), .last_plan (buckets of the last step)."""
        return self._fusion


def DistributedOptimizer(optimizer, fusion_threshold=None):
    """Wraps a pydl optimizer (instance or name) so that each update averages gradients over the ranks first.

    fusion_threshold: bytes per fusion buffer (default PYDL_FUSION_THRESHOLD, else 64 MiB; 0: one allreduce per
    gradient). The learning rate is left as given: with N ranks the global batch is N times the local one, and the
    usual rule scales the rate by N with a warm-up (see LearningRateWarmup). Needs init() first.

    >>> model.compile(optimizer=pydl.distributed.DistributedOptimizer(SGD(lr=0.01 * size())), loss=...)
    """
    optimizer = get(optimizer)
    if isinstance(optimizer, _Distributed):
        return optimizer
    comm._comm()
    cls = type(optimizer)
    wrapped = type(cls.__name__, (_Distributed, cls), {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                                      "__doc__": cls.__doc__})
    dist = object.__new__(wrapped)
    dist.__dict__.update(optimizer.__dict__)  # the same slots, iterations and settings: no state is copied
    dist._fusion = Fusion(fusion_threshold)
    return dist


def is_distributed(optimizer):
    return isinstance(optimizer, _Distributed) and isinstance(optimizer, Optimizer)
