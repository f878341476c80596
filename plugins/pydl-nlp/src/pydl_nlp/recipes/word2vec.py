"""Trains word vectors as the book's natural_language_preprocessing notebook does: sentences tokenized, lower-cased,
stop words and punctuation removed, bigram phrases joined, then skip-gram word2vec (64 dimensions, window 10,
min_count 10) trained in pydl's C++ core; prints the nearest words of the most frequent ones and, with --plot, a
t-SNE map of the vocabulary."""
import argparse
import os
import time

from pydl.text import Word2Vec
from pydl.utils import set_random_seed

from ..corpus import generate_reviews
from ..phrases import Phrases
from ..text import tokenize_corpus


def _corpus(limit, seed):
    """(documents as strings, description). gensim's Lee news corpus when gensim is installed (its test data, read
    from the package; gensim is not a dependency), else the generated review corpus."""
    try:
        import gensim.test.utils as gensim_test
        path = gensim_test.datapath("lee_background.cor")
    except (ImportError, AttributeError):
        path = None
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            docs = [line for line in f if line.strip()]
        return docs[:limit] if limit else docs, f"gensim's Lee news corpus ({path})"
    texts, _ = generate_reviews(limit or 3000, seed=seed)
    return texts, "GENERATED reviews from word lists (not a real corpus: install gensim for its Lee news corpus)"


EPOCHS = 5  # gensim's default


def add_arguments(parser):
    parser.set_defaults(epochs=EPOCHS, batch_size=argparse.SUPPRESS)  # SGD per word pair: no batches
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first N documents (default: all, or 3000 generated reviews)")
    parser.add_argument("--vector-size", type=int, default=64, help="dimensions of a word vector")
    parser.add_argument("--window", type=int, default=10, help="context words on each side")
    parser.add_argument("--min-count", type=int, default=10, help="words seen fewer times are dropped")
    parser.add_argument("--cbow", action="store_true", help="CBOW instead of the book's skip-gram")
    parser.add_argument("--phrase-min-count", type=int, default=32, help="bigram phrases: min_count (the book's)")
    parser.add_argument("--phrase-threshold", type=float, default=64.0, help="bigram phrases: threshold (the book's)")
    parser.add_argument("--workers", type=int, default=1, help="training threads (1 is bit-reproducible)")


def train(args):
    """(model, description of the data, documents, tokens, seconds): the preprocessing and training of run()."""
    seed = args.seed if getattr(args, "seed", None) is not None else 0
    set_random_seed(seed)
    docs, what = _corpus(args.limit, seed)
    sentences = [s for doc in docs for s in tokenize_corpus(doc)]
    phrases = Phrases(sentences, min_count=args.phrase_min_count, threshold=args.phrase_threshold)
    sentences = phrases[sentences]
    tokens = sum(len(s) for s in sentences)
    print(f"nlp.word2vec: {len(docs):,} documents of {what}: {len(sentences):,} sentences, {tokens:,} tokens")
    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=args.vector_size, window=args.window, min_count=args.min_count,
                     sg=0 if args.cbow else 1, epochs=args.epochs or EPOCHS, seed=seed + 1, workers=args.workers)
    return model, what, len(docs), tokens, time.perf_counter() - start


def run(args):
    """Trains the book's skip-gram word2vec on a corpus; prints neighbours, with --plot a t-SNE map (ch 11)."""
    model, what, documents, tokens, seconds = train(args)
    wv = model.wv
    words_per_s = tokens * (args.epochs or EPOCHS) / seconds
    print(f"vocabulary {len(wv):,} words; trained in {seconds:.2f} s ({words_per_s:,.0f} words/s)")
    neighbours = {}
    for word in wv.index_to_key[:5]:
        neighbours[word] = [(w, round(float(s), 3)) for w, s in wv.most_similar(word, topn=5)]
        print(f"  {word}: " + ", ".join(f"{w} {s:.2f}" for w, s in neighbours[word]))
    if args.plot and len(wv) >= 3:
        from ..tsne import plot_word_vectors
        keep = wv.index_to_key[:300]
        plot_word_vectors(keep, [wv[w] for w in keep], args.plot)
        print(f"plot saved to {args.plot} (t-SNE map of the {len(keep)} most frequent words)")
    return {"data": what, "documents": documents, "tokens": tokens, "vocabulary": len(wv), "seconds": seconds,
            "neighbours": neighbours}
