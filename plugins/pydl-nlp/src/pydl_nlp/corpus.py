"""A generated sentiment corpus of movie "reviews", for machines with no IMDB file and no network: no installed
package ships labelled sentiment text without a download (nltk's movie_reviews and scikit-learn's 20 newsgroups both
download at run time). Reviews are random sentences of neutral film words carrying positive and negative words; the
label is the majority of those, with some words of the other side mixed in and an occasional "not" that flips the
next one, so a model must weigh words and word order rather than spot one. Deterministic for a seed."""
import numpy as np

POSITIVE = ("great excellent superb wonderful brilliant moving beautiful touching gripping funny clever charming "
            "masterful stunning delightful powerful fresh memorable heartfelt engaging").split()
NEGATIVE = ("awful terrible boring dull weak bad poor clumsy tedious silly predictable bland messy lifeless "
            "forgettable painful stupid wooden annoying lazy").split()
NEUTRAL = ("the a this film movie story plot actor actress director scene scenes cast script ending camera music "
           "character characters dialogue performance screen was is and of with its her his their in at by we "
           "i it they from to watched saw thought felt seemed became whole first last time hour minutes").split()
TEMPLATES = ("the {n} was {s}", "a {s} {n}", "i thought the {n} {v} {s}", "{s} {n} and {t} {m}",
             "the {n} {v} {s}", "it was a {s} {n}")
NOUNS = "film movie story plot script ending cast performance music dialogue direction scene".split()
VERBS = "was seemed felt became is".split()


def generate_reviews(n, seed=0, mix=0.3, negation=0.15):
    """(texts, labels): `n` reviews, half positive (label 1) and half negative, in random order. `mix` is the share of
    sentiment words from the other side, `negation` the chance that a sentiment word is written "not <opposite>"."""
    if not (isinstance(n, int) and n > 0):
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not (0 <= mix < 0.5 and 0 <= negation < 1):
        raise ValueError(f"need 0 <= mix < 0.5 and 0 <= negation < 1, got mix={mix}, negation={negation}")
    rng = np.random.RandomState(seed)
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    texts = []
    for label in labels:
        sentences = []
        for _ in range(rng.randint(3, 9)):
            positive = bool(label) != (rng.rand() < mix)
            words = dict(s=_sentiment_word(rng, positive, negation), t=_sentiment_word(rng, positive, negation),
                         n=NOUNS[rng.randint(len(NOUNS))], m=NOUNS[rng.randint(len(NOUNS))],
                         v=VERBS[rng.randint(len(VERBS))])
            sentence = TEMPLATES[rng.randint(len(TEMPLATES))].format(**words)
            filler = " ".join(NEUTRAL[i] for i in rng.randint(len(NEUTRAL), size=rng.randint(0, 8)))
            sentences.append((sentence + (" " + filler if filler else "")).capitalize() + ".")
        texts.append(" ".join(sentences))
    return texts, labels


def _sentiment_word(rng, positive, negation):
    if rng.rand() < negation:  # "not boring" counts as positive
        pool = NEGATIVE if positive else POSITIVE
        return "not " + pool[rng.randint(len(pool))]
    pool = POSITIVE if positive else NEGATIVE
    return pool[rng.randint(len(pool))]
