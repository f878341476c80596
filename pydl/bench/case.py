"""What a benchmark suite is made of: `Case` (one row of the table) and `register` (the suite table that
`pydl bench --ops` selects from). Its own module so that the suites import it without importing their package."""
from dataclasses import dataclass

SUITES = {}
DEFAULT = []  # what `pydl bench` runs without --ops: the op suites; whole-model timings are asked for (--models)


@dataclass
class Case:
    """One row of the table: the same work done by each library on shared inputs."""
    op: str            # row label, e.g. "sgemm", "relu"
    shape: str         # human-readable operand shapes
    unit: str          # "GFLOP/s" or "GB/s"
    work: float        # FLOPs, or bytes read + written, per call: rate = work / time
    fns: dict          # library -> zero-argument callable returning its result (numpy: the reference)
    tol: float = 1e-4  # sanity check: max|result - numpy| <= tol * max|numpy|
    series: str = ""   # a size sweep plotted as rate vs size (e.g. square sgemm) ...
    size: int = 0      # ... and this case's x value in it
    scale: float = 1e9  # rate = work / time / scale: 1e9 for GFLOP/s and GB/s, 1e3 for "k samples/s"


def register(name, default=True):
    def add(fn):
        SUITES[name] = fn
        if default:
            DEFAULT.append(name)
        return fn
    return add
