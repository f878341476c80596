"""Text preprocessing of the book's natural_language_preprocessing notebook: sentence and word tokenization,
lower-casing, stop-word and punctuation removal, Porter stemming.

Tokenization is a small regex tokenizer written here, because nltk's sent_tokenize/word_tokenize need the "punkt"
model downloaded at run time. Stop words are scikit-learn's ENGLISH_STOP_WORDS (shipped with the package; nltk's list
needs a download). Stemming is nltk's PorterStemmer, which is pure code and needs no data download.
"""
import re
import string

# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets) before whitespace and a capital,
# digit or opening quote; a few abbreviations never end one.
_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "jr", "sr", "prof", "no")
_SENTENCE_END = re.compile(r"""(?<=[.!?])["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")
# Dotted abbreviations ("e.g.", "U.S."), numbers ("3.50", "1,000"), words with inner apostrophes or hyphens ("don't",
# "well-known"), an ellipsis, or one punctuation character at a time.
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)*|[^\W_]+(?:['’\-][^\W_]+)*|\.\.\.|[^\w\s]")
PUNCTUATION = frozenset(string.punctuation) | frozenset("“”‘’–—…")


def sent_tokenize(text):
    """Splits `text` into sentences (strings, stripped)."""
    if not isinstance(text, str):
        raise TypeError(f"sent_tokenize expects a string, got {type(text).__name__}")
    pieces, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start:m.start()].rstrip("\"')]")
        last = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.strip() else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):  # "Dr. No", initials "J. Smith"
            continue
        pieces.append(text[start:m.end()].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def word_tokenize(text):
    """Splits `text` into word and punctuation tokens: "Don't stop!" -> ["Don't", "stop", "!"]."""
    if not isinstance(text, str):
        raise TypeError(f"word_tokenize expects a string, got {type(text).__name__}")
    return _WORD.findall(text)


def stop_words():
    """scikit-learn's English stop-word list (318 words), as a frozenset."""
    try:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    except ImportError:
        raise ImportError("the English stop-word list comes with scikit-learn: pip install scikit-learn") from None
    return frozenset(ENGLISH_STOP_WORDS)


def stemmer():
    """nltk's PorterStemmer (no data download needed)."""
    try:
        from nltk.stem.porter import PorterStemmer
    except ImportError:
        raise ImportError("Porter stemming comes with nltk: pip install nltk") from None
    return PorterStemmer()


def preprocess(tokens, lower=True, remove_stop_words=True, remove_punctuation=True, stem=False):
    """The notebook's per-sentence cleaning of a list of tokens: lower-case, drop stop words and punctuation, and
    Porter-stem what is left (in that order; stop words are matched before stemming)."""
    stops = stop_words() if remove_stop_words else frozenset()
    porter = stemmer() if stem else None
    out = []
    for t in tokens:
        if not isinstance(t, str):
            raise TypeError(f"tokens must be strings, got {t!r}")
        w = t.lower() if lower else t
        if remove_punctuation and all(c in PUNCTUATION for c in w):
            continue
        if w.lower() in stops:
            continue
        out.append(porter.stem(w, to_lowercase=lower) if porter else w)
    return out


def tokenize_corpus(text, **options):
    """A text -> a list of sentences, each a list of preprocessed tokens (empty sentences dropped)."""
    sentences = (preprocess(word_tokenize(s), **options) for s in sent_tokenize(text))
    return [s for s in sentences if s]
