"""KeyedVectors: words and their vectors, with gensim 4's lookups and similarity queries (cosine similarity of
unit vectors). Queries run in NumPy: one matrix-vector product over the vocabulary."""
import numpy as np

from . import evaluation, w2v_format


def _unit(v):
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


class KeyedVectors:
    """vectors (n, vector_size) float32 with index_to_key[i] naming row i and key_to_index its inverse."""

    def __init__(self, vector_size, count=0, dtype=np.float32):
        if isinstance(vector_size, bool) or not isinstance(vector_size, (int, np.integer)) or vector_size < 1:
            raise ValueError(f"vector_size must be an int >= 1, got {vector_size!r}")
        self.vector_size = int(vector_size)
        self.vectors = np.zeros((count, self.vector_size), dtype)
        self.index_to_key = [None] * count
        self.key_to_index = {}
        self.counts = np.zeros(count, np.int64)  # corpus frequency of each key (0 when unknown)
        self._normed = None

    # ---- building ----
    @classmethod
    def from_arrays(cls, keys, vectors, counts=None):
        vectors = np.asarray(vectors, np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ValueError(f"{len(keys)} keys need vectors of shape ({len(keys)}, dim), got {vectors.shape}")
        kv = cls(vectors.shape[1])
        kv.vectors = np.ascontiguousarray(vectors)
        kv.index_to_key = list(keys)
        kv.key_to_index = {k: i for i, k in enumerate(kv.index_to_key)}
        if len(kv.key_to_index) != len(keys):
            raise ValueError("keys must be unique")
        kv.counts = np.zeros(len(keys), np.int64) if counts is None else np.asarray(counts, np.int64)
        return kv

    def fill_norms(self, force=False):
        if self._normed is None or force:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._normed = self.vectors / np.maximum(norms, np.finfo(np.float32).tiny)
        return self._normed

    def get_normed_vectors(self):
        return self.fill_norms()

    # ---- lookups ----
    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return key in self.key_to_index

    def has_index_for(self, key):
        return key in self.key_to_index

    def get_index(self, key, default=None):
        i = self.key_to_index.get(key)
        if i is not None:
            return i
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key {key!r} not present in vocabulary")

    def get_vector(self, key, norm=False):
        i = self.get_index(key)
        return (self.fill_norms() if norm else self.vectors)[i]

    def get_vecattr(self, key, attr):
        if attr != "count":
            raise KeyError(f"unknown attribute {attr!r} (KeyedVectors keeps 'count')")
        return int(self.counts[self.get_index(key)])

    def __getitem__(self, keys):
        if isinstance(keys, (str, int, np.integer)):
            return self.get_vector(keys)
        return np.stack([self.get_vector(k) for k in keys])

    # ---- similarity ----
    def similarity(self, w1, w2):
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def distance(self, w1, w2):
        return 1.0 - self.similarity(w1, w2)

    def cosine_similarities(self, vector_1, vectors_all):
        v = np.asarray(vector_1, np.float32)
        m = np.asarray(vectors_all, np.float32)
        return (m @ v) / np.maximum(np.linalg.norm(m, axis=1) * np.linalg.norm(v), np.finfo(np.float32).tiny)

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """[(key, cosine similarity)] of the topn keys nearest to the mean of the unit vectors of `positive` minus
        those of `negative` (keys or raw vectors), the query keys excluded. topn=None returns every similarity."""
        positive = [] if positive is None else [positive] if isinstance(positive, (str, np.ndarray)) else list(positive)
        negative = [] if negative is None else [negative] if isinstance(negative, (str, np.ndarray)) else list(negative)
        if not positive and not negative:
            raise ValueError("most_similar: give at least one key in positive or negative")
        if topn is not None and (isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 0):
            raise ValueError(f"most_similar: topn must be None or an int >= 0, got {topn!r}")
        vecs, exclude = [], set()
        for items, sign in ((positive, 1.0), (negative, -1.0)):
            for k in items:
                if isinstance(k, np.ndarray):
                    if k.shape != (self.vector_size,):
                        raise ValueError(f"most_similar: a vector must have shape ({self.vector_size},), got {k.shape}")
                    vecs.append(sign * k.astype(np.float32))
                else:
                    exclude.add(self.get_index(k))
                    vecs.append(sign * self.get_vector(k, norm=True))
        mean = _unit(np.mean(vecs, axis=0)).astype(np.float32)
        normed = self.fill_norms()
        if restrict_vocab is not None:
            normed = normed[:restrict_vocab]
        dists = normed @ mean
        if topn is None:
            return dists
        order = np.argsort(-dists, kind="stable")[:topn + len(exclude)]
        return [(self.index_to_key[i], float(dists[i])) for i in order if i not in exclude][:topn]

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        return self.most_similar(positive=[np.asarray(vector, np.float32)], topn=topn, restrict_vocab=restrict_vocab)

    def doesnt_match(self, words):
        """The word farthest (by cosine) from the mean of the unit vectors of the given words; unknown words are
        ignored, as gensim does."""
        words = [w for w in words if w in self.key_to_index]
        if not words:
            raise ValueError("doesnt_match: none of the words is in the vocabulary")
        vecs = np.stack([self.get_vector(w, norm=True) for w in words])
        dists = vecs @ _unit(vecs.mean(axis=0))
        return words[int(np.argmin(dists))]

    # ---- benchmarks ----
    def evaluate_word_pairs(self, pairs, delimiter="\t", restrict_vocab=300000, case_insensitive=True,
                            dummy4unknown=False):
        """((pearson, p), (spearman, p), oov ratio in %) against a wordsim353-style file."""
        return evaluation.word_pairs(self, pairs, delimiter, restrict_vocab, case_insensitive, dummy4unknown)

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False):
        """(accuracy, sections) on a questions-words file (3CosAdd over the restrict_vocab most frequent words)."""
        return evaluation.analogies(self, analogies, restrict_vocab, case_insensitive, dummy4unknown)

    # ---- files ----
    def save_word2vec_format(self, fname, binary=False, write_header=True):
        if not write_header:
            raise ValueError("save_word2vec_format: files without a header are not supported")
        w2v_format.save(fname, self.index_to_key, self.vectors, binary=binary)

    @classmethod
    def load_word2vec_format(cls, fname, binary=False, limit=None, encoding="utf8", unicode_errors="strict"):
        keys, vectors = w2v_format.load(fname, binary=binary, limit=limit, encoding=encoding,
                                        unicode_errors=unicode_errors)
        if vectors.shape[0] == 0:
            return cls(vectors.shape[1])
        return cls.from_arrays(keys, vectors)
