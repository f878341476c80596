"""IMDB movie reviews as word-index sequences (Keras 2 semantics): load_data(num_words, skip_top, maxlen, seed,
start_char, oov_char, index_from) -> (x_train, y_train), (x_test, y_test) with object arrays of lists."""
import json

import numpy as np

from .files import KERAS_ORIGIN, get_file, verify

SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"


def read_npz(path, file_hash=None):
    """The four arrays of imdb.npz. Its sequences are object arrays, which NumPy stores with pickle, so the file is
    only unpickled after its digest matched the published one."""
    if not verify(path, file_hash or SHA256):
        raise ValueError(f"{path}: digest mismatch; refusing to unpickle an unverified file")
    with np.load(path, allow_pickle=True) as f:
        return f["x_train"], f["y_train"], f["x_test"], f["y_test"]


def prepare(x_train, labels_train, x_test, labels_test, num_words=None, skip_top=0, maxlen=None, seed=113,
            start_char=1, oov_char=2, index_from=3):
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train, labels_train = x_train[idx], labels_train[idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test, labels_test = x_test[idx], labels_test[idx]
    xs = list(x_train) + list(x_test)
    labels = np.concatenate([labels_train, labels_test])
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
        n_train_kept = sum(1 for i in keep if i < len(x_train))
        xs, labels = [xs[i] for i in keep], labels[keep]
        if not xs:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
        n_train = n_train_kept
    else:
        n_train = len(x_train)
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]

    def obj(seqs):
        out = np.empty(len(seqs), dtype=object)
        out[:] = seqs
        return out
    return (obj(xs[:n_train]), labels[:n_train]), (obj(xs[n_train:]), labels[n_train:])


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    arrays = read_npz(get_file(path, KERAS_ORIGIN + "imdb.npz", file_hash=SHA256))
    return prepare(*arrays, num_words=num_words, skip_top=skip_top, maxlen=maxlen, seed=seed, start_char=start_char,
                   oov_char=oov_char, index_from=index_from)


def get_word_index(path="imdb_word_index.json"):
    """{word: index} (indices before index_from is added), from the cache or downloaded; the file's digest and its
    structure (a JSON object of distinct positive integer indices) are checked before it is returned."""
    p = get_file(path, KERAS_ORIGIN + "imdb_word_index.json", file_hash=WORD_INDEX_MD5)
    return read_word_index(p)


def read_word_index(path):
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a JSON word index ({e})") from None
    if not isinstance(index, dict) or not index:
        raise ValueError(f"{path}: a word index is a non-empty JSON object {{word: index}}")
    for word, i in index.items():
        if type(i) is not int or i < 1:
            raise ValueError(f"{path}: the index of {word!r} is {i!r}; indices are integers >= 1")
    if len(set(index.values())) != len(index):
        raise ValueError(f"{path}: two words share an index")
    return index


__all__ = ["load_data", "get_word_index", "read_word_index", "read_npz", "prepare"]
