"""`pydl bench`: pydl against NumPy (and PyTorch when importable) in one process, on the same inputs.

    pydl bench [--ops matmul,elementwise] [--models] [--threads 1,2] [--json out.json] [--plot out.png]
               [--repeats N] [--quick]

Without --ops, every op suite runs; --models (or --ops models) times training of the book's dense networks.

Each entry is warmed up and the median of repeated timings reported, with NumPy's BLAS (via threadpoolctl) and
PyTorch set to pydl's thread count. Suites live in pydl.bench.suites, registered by name.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, override OpenBLAS's CPU detection and can slow NumPy; the run
reports them and warns but leaves them alone (OpenBLAS reads them at load time anyway). For a fair comparison:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pydl bench
"""
from .runner import main, run
from .suites import SUITES, Case, register

__all__ = ["SUITES", "Case", "register", "main", "run"]
