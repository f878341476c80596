"""word2vec suite: training words/s of pydl.text.Word2Vec and gensim's Word2Vec on gensim's own test corpus
(head500.noblanks.cor, 331k words; vector 64, window 10, min_count 10, skip-gram, negative 5, 5 epochs), each with
workers 1 and 2, in one process. Runs only where gensim is importable (it also ships the corpus and the
wordsim353 / questions-words benchmarks); gensim is never a dependency of pydl.

In `pydl bench --ops word2vec` gensim fills the reference (NumPy) column, and the check compares the wordsim353
Spearman correlation of both models (equal quality within seed noise). Each timed call trains from the same
initial vectors (vocabulary built once, outside the timing). The full table (words/s, wordsim353 Spearman, analogy
accuracy): python -c "from pydl.bench.suites.word2vec import main; main()".
"""
import os
import time

import numpy as np

from ..case import Case, register

SETTINGS = dict(vector_size=64, window=10, min_count=10, sg=1, negative=5, epochs=5, seed=1)


def _data_dir():
    try:
        import gensim
    except ImportError:
        return None
    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")


def _corpus(quick):
    with open(os.path.join(_data_dir(), "head500.noblanks.cor"), encoding="utf8") as f:
        sents = [line.split() for line in f]
    return sents[:40] if quick else sents


class _Trainer:
    """A model with its vocabulary built once; each call restores the initial vectors and trains."""

    def __init__(self, lib, sents, workers, epochs):
        if lib == "pydl":
            from pydl.text import Word2Vec
        else:
            from gensim.models import Word2Vec
        self.model = Word2Vec(**dict(SETTINGS, epochs=epochs, workers=workers))
        self.model.build_vocab(sents)
        self.init = self.model.wv.vectors.copy()
        self.sents, self.epochs, self.lib = sents, epochs, lib
        self.raw_words = sum(map(len, sents)) * epochs

    def __call__(self):
        m = self.model
        m.wv.vectors[...] = self.init
        m.syn1neg[...] = 0
        if self.lib == "pydl":
            m.train_count = 0
        m.train(self.sents, total_examples=len(self.sents), epochs=self.epochs)
        m.wv.fill_norms(force=True)
        return self

    def numpy(self):  # what the runner's check reads: the wordsim353 Spearman correlation
        return np.array([self.spearman()])

    def spearman(self):
        return float(self.model.wv.evaluate_word_pairs(os.path.join(_data_dir(), "wordsim353.tsv"))[1][0])

    def analogy(self):
        return float(self.model.wv.evaluate_word_analogies(os.path.join(_data_dir(), "questions-words.txt"))[0])


@register("word2vec", default=False)
def cases(quick, torch):
    if _data_dir() is None:
        print("word2vec suite: gensim is not installed (pip install gensim), nothing to compare with; skipped")
        return
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    sents = _corpus(quick)
    epochs = 1 if quick else SETTINGS["epochs"]
    for workers in (1, 2):
        fns = {lib: _Trainer(lib, sents, workers, epochs) for lib in ("pydl", "gensim")}
        fns["numpy"] = fns.pop("gensim")
        yield Case(f"word2vec sg, workers {workers} (NumPy col.: gensim)", f"{fns['pydl'].raw_words} words",
                   "k words/s", fns["pydl"].raw_words, fns, tol=0.25 if not quick else 10.0, scale=1e3)


def main():
    """The closing-note table: words/s (best of 3 trainings), wordsim353 Spearman and analogy accuracy."""
    if _data_dir() is None:
        raise SystemExit("gensim is not installed (pip install gensim)")
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    sents = _corpus(False)
    print(f"{'library':8} {'workers':>7} {'k words/s':>10} {'ws353 rho':>10} {'analogy':>8}")
    for workers in (1, 2):
        for lib in ("pydl", "gensim"):
            tr = _Trainer(lib, sents, workers, SETTINGS["epochs"])
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                tr()
                best = min(best, time.perf_counter() - t)
            print(f"{lib:8} {workers:7d} {tr.raw_words / best / 1e3:10.1f} {tr.spearman():10.3f} {tr.analogy():8.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
