"""Suite registry. A suite is a function (quick, torch) -> iterable of Case, registered under a name that
`pydl bench --ops` selects. A new suite is one module here that calls @register, plus
its import at the bottom of this file.
"""
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


# built-in suites register themselves on import; import order is table order
from . import matmul  # noqa: E402,F401,I001
from . import elementwise  # noqa: E402,F401
from . import conv  # noqa: E402,F401  (registers "conv" and "pool")
from . import models  # noqa: E402,F401  (not run by default: `pydl bench --models`)
from . import text_models  # noqa: E402,F401  (registers "text": the chapter 11 rows of models alone)
from . import embedding  # noqa: E402,F401  (the Embedding op, forward + backward)
from . import rnn  # noqa: E402,F401  (LSTM forward + BPTT)
from . import word2vec  # noqa: E402,F401  (not run by default: gensim vs pydl.text.Word2Vec, when gensim is importable)
