"""Word2Vec with gensim 4's interface, trained by pydl's C++ core (skip-gram or CBOW with negative sampling).

>>> model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, workers=4)  # doctest: +SKIP
>>> model.wv.most_similar("king", topn=3)                                                 # doctest: +SKIP

Training runs in `workers` threads with the GIL released, updating the shared matrices without locks as the
original word2vec does. With workers=1 the vectors are bit-identical for a given seed; with several workers the
racing updates make runs differ slightly (as with gensim). Sentences longer than 10,000 words are cut into pieces
of 10,000 (a window never crosses a cut), as gensim's LineSentence does.
"""
import collections
import os
import time

import numpy as np

from .. import nlp_ops
from ..saving.archive import read_archive, write_archive
from ..saving.errors import CorruptFileError
from .keyed_vectors import KeyedVectors

_INT_ARGS = {"vector_size": 1, "window": 1, "min_count": 1, "negative": 1, "epochs": 0, "workers": 1}
_FLOAT_ARGS = ("sample", "alpha", "min_alpha", "ns_exponent")
_CONFIG_KEYS = tuple(_INT_ARGS) + _FLOAT_ARGS + ("sg", "cbow_mean", "seed", "max_vocab_size")


def _check_int(name, value, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ValueError(f"Word2Vec: {name} must be an int >= {lo}, got {value!r}")
    return int(value)


def _check_float(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not np.isfinite(value):
        raise ValueError(f"Word2Vec: {name} must be a finite number, got {value!r}")
    return float(value)


class Word2Vec:
    def __init__(self, sentences=None, vector_size=100, window=5, min_count=5, sg=0, negative=5, sample=1e-3,
                 alpha=0.025, min_alpha=0.0001, epochs=5, seed=1, workers=3, max_vocab_size=None, cbow_mean=1,
                 ns_exponent=0.75, hs=0):
        if hs:
            raise NotImplementedError("Word2Vec: hierarchical softmax (hs=1) is not implemented; use negative "
                                      "sampling (hs=0, negative > 0)")
        args = dict(vector_size=vector_size, window=window, min_count=min_count, negative=negative, epochs=epochs,
                    workers=workers)
        for name, lo in _INT_ARGS.items():
            setattr(self, name, _check_int(name, args[name], lo))
        for name, value in (("sample", sample), ("alpha", alpha), ("min_alpha", min_alpha),
                            ("ns_exponent", ns_exponent)):
            setattr(self, name, _check_float(name, value))
        if self.sample < 0 or self.alpha <= 0 or not 0 <= self.min_alpha <= self.alpha:
            raise ValueError(f"Word2Vec: need sample >= 0, alpha > 0 and 0 <= min_alpha <= alpha, got sample="
                             f"{sample!r}, alpha={alpha!r}, min_alpha={min_alpha!r}")
        if sg not in (0, 1) or cbow_mean not in (0, 1):
            raise ValueError(f"Word2Vec: sg and cbow_mean must be 0 or 1, got sg={sg!r}, cbow_mean={cbow_mean!r}")
        self.sg, self.cbow_mean = int(sg), int(cbow_mean)
        self.seed = _check_int("seed", seed, 0)
        self.max_vocab_size = None if max_vocab_size is None else _check_int("max_vocab_size", max_vocab_size, 1)
        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg = np.zeros((0, self.vector_size), np.float32)
        self.corpus_count = self.corpus_total_words = 0
        self.train_count = 0
        self.total_train_time = 0.0
        if sentences is not None:
            if iter(sentences) is sentences:  # a generator would be used up by build_vocab: train would see nothing
                raise TypeError("Word2Vec: sentences must be a restartable iterable (a list, or an object whose "
                                "__iter__ starts over), not a one-shot iterator or generator: it is read twice, "
                                "once for the vocabulary and once per training pass")
            self.build_vocab(sentences)
            self.train(sentences, total_examples=self.corpus_count, epochs=self.epochs)

    # ---- vocabulary ----
    def build_vocab(self, corpus_iterable, update=False, progress_per=None):
        """Counts the words, keeps those seen >= min_count times (most frequent first) and resets the vectors."""
        if update:
            raise NotImplementedError("Word2Vec.build_vocab: update=True (growing a trained vocabulary) is not "
                                      "implemented")
        counts, min_reduce, n_sent, total = collections.Counter(), 1, 0, 0
        for sentence in _sentences(corpus_iterable):
            counts.update(sentence)
            n_sent += 1
            total += len(sentence)
            if self.max_vocab_size is not None and len(counts) > self.max_vocab_size:
                # gensim's pruning: drop the rarest words, raising the bar each time the cap is hit
                counts = collections.Counter({w: c for w, c in counts.items() if c > min_reduce})
                min_reduce += 1
        kept = sorted(((w, c) for w, c in counts.items() if c >= self.min_count), key=lambda wc: -wc[1])
        if not kept:
            raise ValueError(f"Word2Vec.build_vocab: no word occurs min_count={self.min_count} times in the "
                             f"{n_sent} sentences ({total} words)")
        self.corpus_count, self.corpus_total_words = n_sent, total
        keys = [w for w, _ in kept]
        rng = np.random.default_rng(self.seed)
        vectors = ((rng.random((len(keys), self.vector_size), dtype=np.float32) - 0.5) / self.vector_size)
        self.wv = KeyedVectors.from_arrays(keys, vectors, [c for _, c in kept])
        self.syn1neg = np.zeros_like(vectors)
        self.train_count = 0

    def _encode(self, corpus_iterable):
        """(ids int32, offsets int64, raw words) of the in-vocabulary words; unknown words are dropped, as gensim."""
        index = self.wv.key_to_index
        ids, offsets, raw = [], [0], 0
        for sentence in _sentences(corpus_iterable):
            raw += len(sentence)
            ids.extend([i for i in map(index.get, sentence) if i is not None])
            offsets.append(len(ids))
        return np.array(ids, np.int32), np.array(offsets, np.int64), raw

    # ---- training ----
    def train(self, corpus_iterable, total_examples=None, total_words=None, epochs=None, start_alpha=None,
              end_alpha=None, compute_loss=False, queue_factor=None, report_delay=None, callbacks=()):
        """Trains on the corpus for `epochs` passes (default: the model's), the learning rate falling linearly from
        start_alpha (alpha) to end_alpha (min_alpha). Returns (words trained on after subsampling, raw words).
        queue_factor and report_delay (gensim's job-queue settings) have no effect here."""
        if not len(self.wv):
            raise RuntimeError("Word2Vec.train: build the vocabulary first (build_vocab)")
        if compute_loss:
            raise NotImplementedError("Word2Vec.train: compute_loss=True is not implemented")
        if callbacks:
            raise NotImplementedError("Word2Vec.train: gensim-style callbacks are not implemented")
        epochs = self.epochs if epochs is None else _check_int("epochs", epochs, 0)
        alpha = self.alpha if start_alpha is None else _check_float("start_alpha", start_alpha)
        min_alpha = self.min_alpha if end_alpha is None else _check_float("end_alpha", end_alpha)
        ids, offsets, raw = self._encode(corpus_iterable)
        if raw == 0 and self.corpus_total_words > 0:
            raise ValueError("Word2Vec.train: the corpus is empty (a generator already used up by build_vocab?); "
                             "pass a list or another restartable iterable")
        # a different stream for each call to train, all fixed by the seed
        key = (self.seed * 0x9E3779B97F4A7C15 + self.train_count) % (1 << 64)
        self.wv._normed = None
        start = time.perf_counter()
        effective = nlp_ops.word2vec_train(self.wv.vectors, self.syn1neg, ids, offsets, self.wv.counts,
                                           bool(self.sg), bool(self.cbow_mean), self.window, self.negative,
                                           self.sample, self.ns_exponent, alpha, min_alpha, epochs, self.workers, key)
        self.total_train_time += time.perf_counter() - start
        self.train_count += 1
        return int(effective), raw * epochs

    # ---- saving ----
    def get_config(self):
        return {k: getattr(self, k) for k in _CONFIG_KEYS}

    def save(self, fname):
        """The whole model (configuration, vocabulary, both matrices) as a pydl archive: JSON + arrays, written
        atomically; nothing in it is ever executed on load."""
        doc = {"class": "Word2Vec", "config": self.get_config(), "keys": list(self.wv.index_to_key),
               "corpus_count": self.corpus_count, "corpus_total_words": self.corpus_total_words,
               "train_count": self.train_count}
        write_archive(fname, "word2vec", {"word2vec.json": doc},
                      {"vectors": self.wv.vectors, "syn1neg": self.syn1neg, "counts": self.wv.counts})

    @classmethod
    def load(cls, fname, max_bytes=None):
        path = os.fspath(fname)
        header, docs, arrays = read_archive(path, max_bytes)
        doc = docs.get("word2vec.json")
        if header["kind"] != "word2vec" or not isinstance(doc, dict) or doc.get("class") != "Word2Vec":
            raise CorruptFileError(f"'{path}' is a pydl file but not a saved Word2Vec model")
        config, keys = doc.get("config"), doc.get("keys")
        if not isinstance(config, dict) or set(config) != set(_CONFIG_KEYS):
            raise CorruptFileError(f"'{path}': word2vec.json 'config' must have exactly {', '.join(_CONFIG_KEYS)}")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
            raise CorruptFileError(f"'{path}': word2vec.json 'keys' must be a list of distinct strings")
        for name in ("corpus_count", "corpus_total_words", "train_count"):
            if isinstance(doc.get(name), bool) or not isinstance(doc.get(name), int) or doc[name] < 0:
                raise CorruptFileError(f"'{path}': word2vec.json {name!r} must be an int >= 0")
        try:
            model = cls(**config)
        except (TypeError, ValueError) as e:
            raise CorruptFileError(f"'{path}': word2vec.json has an invalid config ({e})") from None
        shape = (len(keys), model.vector_size)
        for name, dtype, want in (("vectors", np.float32, shape), ("syn1neg", np.float32, shape),
                                  ("counts", np.int64, shape[:1])):
            a = arrays.get(name)
            if a is None or a.dtype != dtype or a.shape != want:
                got = "missing" if a is None else f"{a.dtype} {a.shape}"
                raise CorruptFileError(f"'{path}': array {name!r} must be {np.dtype(dtype)} {want}, got {got}")
        if (arrays["counts"] < 0).any():
            raise CorruptFileError(f"'{path}': array 'counts' holds negative counts")
        model.wv = KeyedVectors.from_arrays(keys, np.array(arrays["vectors"]), np.array(arrays["counts"]))
        model.syn1neg = np.array(arrays["syn1neg"])
        model.corpus_count, model.corpus_total_words = doc["corpus_count"], doc["corpus_total_words"]
        model.train_count = doc["train_count"]
        return model


def _sentences(corpus_iterable):
    """Yields each sentence as a list of str, cut into pieces of at most 10,000 words."""
    if isinstance(corpus_iterable, (str, bytes)):
        raise TypeError("Word2Vec: sentences must be an iterable of lists of str (tokens), not a string")
    for n, sentence in enumerate(corpus_iterable):
        if isinstance(sentence, str):
            raise TypeError(f"Word2Vec: sentence {n} is a str; give each sentence as a list of tokens "
                            "(e.g. text.split())")
        sentence = list(sentence)
        for w in sentence:
            if not isinstance(w, str):
                raise TypeError(f"Word2Vec: sentence {n} holds {type(w).__name__} {w!r:.40}; tokens must be str")
        for lo in range(0, max(len(sentence), 1), 10000):
            yield sentence[lo:lo + 10000]
