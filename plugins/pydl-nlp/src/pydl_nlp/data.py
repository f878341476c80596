"""The best labelled review data this machine has, as the book's notebooks use it: Keras's IMDB word-index
sequences (pydl.datasets.imdb, when cached or downloadable), else the generated corpus (pydl_nlp.corpus) encoded the
same way (index 1 = most frequent word, then index_from=3 with 0 = padding, 1 = start, 2 = unknown), padded and
truncated at the start ("pre") to the review length."""
from collections import Counter

import numpy as np

import pydl
from pydl.preprocessing.sequence import pad_sequences

from .corpus import generate_reviews
from .text import word_tokenize

CHOICES = ("auto", "imdb", "generated")
INDEX_FROM = 3
RESERVED = {0: "PAD", 1: "START", 2: "UNK"}


def build_word_index(texts):
    """{word: rank} by descending frequency (ties by first appearance), rank 1 the most frequent, as Keras's index."""
    counts = Counter(w for t in texts for w in _words(t))
    return {w: i for i, (w, _) in enumerate(counts.most_common(), 1)}


def _words(text):
    return [w.lower() for w in word_tokenize(text) if w[0].isalnum()]


def encode(texts, word_index):
    """Texts -> lists of raw word indices (before index_from), unknown words dropped."""
    return [[word_index[w] for w in _words(t) if w in word_index] for t in texts]


def decode(ids, word_index, index_from=INDEX_FROM):
    """Ids with Keras's offsets back to words: "START the film was UNK ..." (padding dropped)."""
    words = {i + index_from: w for w, i in word_index.items()}
    words.update(RESERVED)
    return " ".join(words.get(int(i), "UNK") for i in ids if int(i) != 0)


def _generated(n_reviews, seed):
    texts, labels = generate_reviews(n_reviews, seed=seed)
    index = build_word_index(texts[: n_reviews // 2])  # the vocabulary comes from the training half only
    half = n_reviews // 2
    x = np.empty(n_reviews, dtype=object)
    x[:] = encode(texts, index)
    arrays = pydl.datasets.imdb.prepare(x[:half], labels[:half], x[half:], labels[half:], seed=seed)
    return arrays, index


def load(choice="auto", n_unique_words=5000, skip_top=0, max_review_length=100, limit=None, generated_size=6000,
         seed=0, verbose=True):
    """((x_train, y_train), (x_valid, y_valid), word_index, description); x int32 (n, max_review_length).
    `limit` keeps the first N reviews of each split."""
    if choice not in CHOICES:
        raise ValueError(f"data must be one of {', '.join(CHOICES)}; got {choice!r}")
    if limit is not None and limit < 2:
        raise ValueError(f"limit must be at least 2 reviews, got {limit}")

    def imdb():
        arrays = pydl.datasets.imdb.load_data(num_words=n_unique_words, skip_top=skip_top)
        return arrays, pydl.datasets.imdb.get_word_index()

    def generated():
        ((xt, yt), (xv, yv)), index = _generated(generated_size, seed)
        # skip_top is not applied: the corpus has about a hundred distinct words, IMDB's top 50 are stop words
        clip = [[w if w < n_unique_words else 2 for w in x] for x in (*xt, *xv)]
        return ((clip[:len(xt)], yt), (clip[len(xt):], yv)), index

    order = ["imdb", "generated"] if choice == "auto" else [choice]
    (((xt, yt), (xv, yv)), index), name, skipped = pydl.datasets.first_available(
        (k, {"imdb": imdb, "generated": generated}[k]) for k in order)
    if name == "imdb":
        what = "IMDB reviews (Keras imdb.npz: 25,000 train / 25,000 validation)"
    else:
        what = (f"GENERATED sentiment corpus ({generated_size:,} synthetic reviews from word lists, not real IMDB; "
                f"{len(xt):,} train / {len(xv):,} validation)"
                + (f"; skip_top={skip_top} not applied to its small vocabulary" if skip_top else "")
                + ("; IMDB is not cached and could not be downloaded" if skipped else ""))
    if limit:
        xt, yt, xv, yv = xt[:limit], yt[:limit], xv[:limit], yv[:limit]
        what += f", first {len(xt):,} / {len(xv):,} reviews"
    if verbose:
        print(f"data: {what}")

    def pad(x):
        return pad_sequences(list(x), maxlen=max_review_length, padding="pre", truncating="pre", value=0)
    return (pad(xt), np.asarray(yt, np.int64)), (pad(xv), np.asarray(yv, np.int64)), index, what
