"""The MPI layer of pydl.distributed: start-up, rank queries and the collectives on pydl tensors.

Tensors reach MPI through their memory: a contiguous CPU tensor is handed over as a zero-copy NumPy view of its
storage. A non-contiguous or CUDA tensor is staged through a contiguous host copy and written back (CUDA-aware MPI
is not used). With PYDL_MPI_TIMEOUT (seconds) set, every collective is posted non-blocking and waited on here, so
that one that never completes (a rank died, hung, or took another code path) becomes an MPI_Abort that names the
rank instead of a hang; without it, the blocking calls (a few microseconds faster) are used.
"""
import os
import socket
import sys
import time
import traceback

import numpy as np

from ..tensor import Tensor, from_numpy

_OPS = ("average", "sum")
_state = {"MPI": None, "comm": None, "local": None, "hook": False, "timeout": 0.0}


def _import_mpi(initialize=True):
    try:
        import mpi4py
    except ImportError as e:
        raise ImportError("pydl.distributed needs mpi4py and an MPI library: pip install 'pydl-core[mpi]' "
                          "(mpi4py and the mpich wheel), or mpi4py built against a system MPI") from e
    if "mpi4py.MPI" not in sys.modules and not initialize:
        saved = mpi4py.rc.initialize
        mpi4py.rc.initialize = False  # read once, at the first import: lets `pydl info` ask without starting MPI
        try:
            from mpi4py import MPI
        finally:
            mpi4py.rc.initialize = saved
        return MPI
    from mpi4py import MPI
    return MPI


def init(comm=None):
    """Starts MPI (if not yet started) and pydl.distributed on `comm` (default: MPI.COMM_WORLD); idempotent.

    Reads PYDL_MPI_TIMEOUT (seconds; 0 or unset: none). Ranks on one machine share its cores: each gets
    cores // ranks-on-the-machine threads unless PYDL_NUM_THREADS or set_num_threads chose a count. Installs an excepthook: an uncaught exception on any rank
    prints the rank and the traceback, then calls MPI_Abort, so that every rank exits non-zero instead of waiting
    forever in the next collective."""
    MPI = _import_mpi()
    if not MPI.Is_initialized():
        MPI.Init_thread()
        import atexit
        atexit.register(lambda: MPI.Is_finalized() or MPI.Finalize())
    comm = MPI.COMM_WORLD if comm is None else comm
    _state["timeout"] = _timeout()
    if _state["comm"] is comm:
        return
    _state.update(MPI=MPI, comm=comm, local=comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.Get_rank()))
    _share_cores(_state["local"].Get_size())
    if not _state["hook"]:
        _state["hook"] = True
        previous = sys.excepthook

        def hook(kind, value, tb):
            if _state["comm"] is None or issubclass(kind, KeyboardInterrupt):
                return previous(kind, value, tb)
            abort(f"{kind.__name__}: {value}", "".join(traceback.format_exception(kind, value, tb)))
        sys.excepthook = hook


def _share_cores(ranks_here):
    """Ranks on one machine split its cores (N ranks x all cores each would oversubscribe it), unless the thread
    count was chosen: PYDL_NUM_THREADS set, or set_num_threads called with other than the default (all cores)."""
    from .. import get_num_threads, set_num_threads
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if ranks_here > 1 and not os.environ.get("PYDL_NUM_THREADS") and get_num_threads() == cores:
        set_num_threads(max(1, cores // ranks_here))


def _comm():
    if _state["comm"] is None:
        raise RuntimeError("pydl.distributed is not initialized: call pydl.distributed.init() first "
                           "(under mpiexec, or alone for a one-process run)")
    return _state["comm"]


def is_initialized():
    return _state["comm"] is not None


def rank():
    """This process's rank in the communicator, 0 .. size() - 1."""
    return _comm().Get_rank()


def size():
    """The number of processes (ranks)."""
    return _comm().Get_size()


def local_rank():
    """The rank among the processes on this machine (to pick a GPU, say)."""
    _comm()
    return _state["local"].Get_rank()


def local_size():
    _comm()
    return _state["local"].Get_size()


def is_primary():
    """True on rank 0, the rank that prints, logs and writes checkpoints."""
    return rank() == 0


def abort(reason, details="", code=1):
    """Prints `reason` with this rank's number and host, then MPI_Abort: every rank of the job exits."""
    comm = _comm()
    msg = (f"pydl.distributed: rank {comm.Get_rank()} of {comm.Get_size()} on {socket.gethostname()} failed: "
           f"{reason}; aborting every rank (MPI_Abort)\n")
    sys.stdout.flush()
    sys.stderr.write(details + msg)
    sys.stderr.flush()
    # mpiexec forwards each rank's output through a pipe it stops reading once the abort kills the job: give it a
    # moment to pass this message on (without it, the message was lost in 2 of about 45 test runs)
    time.sleep(0.5)
    comm.Abort(code)


def _timeout():
    raw = os.environ.get("PYDL_MPI_TIMEOUT", "")
    try:
        value = float(raw) if raw.strip() else 0.0
    except ValueError:
        raise ValueError(f"PYDL_MPI_TIMEOUT must be a number of seconds, got {raw!r}") from None
    if value < 0 or value != value:
        raise ValueError(f"PYDL_MPI_TIMEOUT must be >= 0 seconds (0: no timeout), got {raw!r}")
    return value


def wait(requests, what):
    """Waits for MPI requests; past PYDL_MPI_TIMEOUT seconds (when set), aborts the job naming this rank."""
    MPI = _state["MPI"]
    limit = _state["timeout"]
    if not limit:
        MPI.Request.Waitall(requests)
        return
    deadline, pause = time.monotonic() + limit, 1e-5
    while not MPI.Request.Testall(requests):
        if time.monotonic() > deadline:
            abort(f"{what} did not complete within PYDL_MPI_TIMEOUT={limit:g} s (another rank died, hung, or "
                  f"did not reach the same collective)")
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)


def collective(name, what, *args, **kwargs):
    """comm.<name>(*args), e.g. name 'Allreduce': blocking (the fastest) without a timeout, else its non-blocking
    form (Iallreduce) waited on under PYDL_MPI_TIMEOUT."""
    c = _comm()
    if not _state["timeout"]:
        return getattr(c, name)(*args, **kwargs)
    wait([getattr(c, "I" + name.lower())(*args, **kwargs)], what)


def barrier():
    """Returns once every rank has called barrier()."""
    collective("Barrier", "barrier")


def check_tensor(t, fn, dtypes=None):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}: expected a pydl.Tensor, got {type(t).__name__}")
    if dtypes is not None and str(t.dtype) not in dtypes:
        raise TypeError(f"{fn}: dtype {t.dtype} is not supported (supported: {', '.join(dtypes)})")


def host_view(t):
    """(contiguous NumPy array over t's data, staged): a zero-copy view when t is a contiguous CPU tensor, else a
    host copy that `write_back` must copy into t afterwards."""
    if t.device.type == "cpu" and t.is_contiguous():
        return np.asarray(t), False
    return np.ascontiguousarray(np.asarray(t.cpu())), True


def write_back(t, array):
    t[...] = from_numpy(array).to(t.device)


def _writable(t, fn):
    a, staged = host_view(t)
    if not staged and not a.flags.writeable:
        raise ValueError(f"{fn}: the tensor is read-only (it wraps a non-writeable array); pass inplace=False")
    return a, staged


def allreduce(tensor, op="average", inplace=False):
    """The element-wise sum or average of `tensor` over every rank, the same on all ranks.

    inplace=True writes the result into `tensor` (and returns it); else a new tensor on tensor's device is
    returned. float32 / float64 (int32 / int64 with op='sum'); every rank must pass the same shape."""
    if op not in _OPS:
        raise ValueError(f"allreduce: op must be one of {', '.join(map(repr, _OPS))}, got {op!r}")
    ok = ("float32", "float64") + (("int32", "int64") if op == "sum" else ())
    check_tensor(tensor, "allreduce", ok)
    comm, MPI = _comm(), _state["MPI"]
    if inplace:
        buf, staged = _writable(tensor, "allreduce")
        collective("Allreduce", "allreduce", MPI.IN_PLACE, buf, op=MPI.SUM)
    else:
        src, _ = host_view(tensor)
        buf, staged = np.empty(src.shape, src.dtype), True
        collective("Allreduce", "allreduce", src, buf, op=MPI.SUM)
    if op == "average":
        np.divide(buf, comm.Get_size(), out=buf)
    if not inplace:
        out = from_numpy(buf)
        return out if tensor.device.type == "cpu" else out.to(tensor.device)
    if staged:
        write_back(tensor, buf)
    return tensor


def broadcast(tensor, root=0):
    """Overwrites `tensor` on every rank with root's (in place; returns it). Shapes and dtypes must agree: they
    are checked against root's first, so a mismatch raises ValueError on the rank that differs."""
    check_tensor(tensor, "broadcast")
    comm = _comm()
    n = comm.Get_size()
    if not isinstance(root, int) or isinstance(root, bool) or not 0 <= root < n:
        raise ValueError(f"broadcast: root must be a rank in [0, {n}), got {root!r}")
    mine = (str(tensor.dtype), tuple(tensor.shape))
    theirs = comm.bcast(mine, root=root)
    differ = comm.allgather(theirs != mine)  # every rank raises, or none does: none is left waiting in the Ibcast
    if any(differ):
        raise ValueError(f"broadcast: root {root} has {theirs[0]} {theirs[1]}, but rank(s) "
                         f"{', '.join(str(r) for r, d in enumerate(differ) if d)} differ (this rank: {mine[0]} "
                         f"{mine[1]})")
    buf, staged = _writable(tensor, "broadcast")
    collective("Bcast", "broadcast", buf, root=root)
    if staged:
        write_back(tensor, buf)
    return tensor


def allgather(tensor):
    """Every rank's tensor concatenated along the first axis, in rank order (a new tensor on tensor's device).
    The first dimension may differ between ranks; the others and the dtype must agree (ValueError on every rank
    otherwise). A 0-d tensor counts as shape (1,)."""
    check_tensor(tensor, "allgather")
    comm = _comm()
    src, _ = host_view(tensor)
    src = src.reshape(1) if src.ndim == 0 else src
    shapes = comm.allgather((str(src.dtype), src.shape))
    if any(d != shapes[0][0] or s[1:] != shapes[0][1][1:] for d, s in shapes):
        raise ValueError("allgather: every rank must pass the same dtype and trailing shape; got "
                         + ", ".join(f"rank {r}: {d} {s}" for r, (d, s) in enumerate(shapes)))
    rows = [s[0] for _, s in shapes]
    per_row = int(np.prod(src.shape[1:], dtype=np.int64))
    out = np.empty((sum(rows),) + src.shape[1:], src.dtype)
    counts = [r * per_row for r in rows]
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]]).tolist()
    collective("Allgatherv", "allgather", src, [out, (counts, displs)])
    result = from_numpy(out)
    return result if tensor.device.type == "cpu" else result.to(tensor.device)


def mpi_info():
    """{'library', 'standard', 'mpi4py', 'cuda'} for the MPI that mpi4py loads, without starting MPI;
    None when mpi4py is not installed."""
    try:
        MPI = _import_mpi(initialize=False)
    except ImportError:
        return None
    text = MPI.Get_library_version()
    first = text.strip().splitlines()[0] if text.strip() else "unknown"
    return {"library": " ".join(first.split()), "standard": "%d.%d" % MPI.Get_version(),
            "mpi4py": sys.modules["mpi4py"].__version__,
            "cuda": "CUDA tensors staged through host memory"}  # pydl hands MPI host buffers only
