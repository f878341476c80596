"""Suite registry. A suite is a function (quick, torch) -> iterable of Case, registered under a name that
`pydl bench --ops` selects. A new suite is one module here that calls @register (from pydl.bench.case), plus
its import at the bottom of this file.
"""
from ..case import DEFAULT, SUITES, Case, register  # noqa: F401,I001  (the table the suites fill)

# built-in suites register themselves on import; import order is table order
from . import matmul  # noqa: E402,F401
from . import elementwise  # noqa: E402,F401
from . import conv  # noqa: E402,F401  (registers "conv" and "pool")
from . import models  # noqa: E402,F401  (not run by default: `pydl bench --models`)
from . import text_models  # noqa: E402,F401  (registers "text": the chapter 11 rows of models alone)
from . import embedding  # noqa: E402,F401  (the Embedding op, forward + backward)
from . import rnn  # noqa: E402,F401  (LSTM forward + BPTT)
from . import word2vec  # noqa: E402,F401  (not run by default: gensim vs pydl.text.Word2Vec, when gensim is importable)
