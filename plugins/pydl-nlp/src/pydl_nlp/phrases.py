"""Bigram phrase detection ("new york" -> "new_york"), scored as gensim's Phrases does by default (its "original"
scorer, Mikolov et al. 2013):

    score(a, b) = (count(a b) - min_count) * N / (count(a) * count(b)),   a phrase when score > threshold

where N is the size of the learned vocabulary (distinct unigrams plus distinct bigrams), as in gensim. Applying the
model joins pairs greedily left to right, so a token joins at most one phrase per pass; a second Phrases trained on
the output finds trigrams. Written here: gensim is not a dependency.
"""
from collections import Counter


class Phrases:
    """Learns unigram and bigram counts from `sentences` (iterables of string tokens); `phrases[sentence]` returns
    the sentence with detected bigrams joined by `delimiter`; `phrases[corpus]` does so for a list of sentences."""

    def __init__(self, sentences=None, min_count=5, threshold=10.0, delimiter="_"):
        if not (isinstance(min_count, (int, float)) and min_count >= 0):
            raise ValueError(f"min_count must be a number >= 0, got {min_count!r}")
        if not isinstance(threshold, (int, float)):
            raise ValueError(f"threshold must be a number, got {threshold!r}")
        if not isinstance(delimiter, str) or not delimiter:
            raise ValueError(f"delimiter must be a non-empty string, got {delimiter!r}")
        self.min_count, self.threshold, self.delimiter = min_count, float(threshold), delimiter
        self.unigrams, self.bigrams = Counter(), Counter()
        if sentences is not None:
            self.add_vocab(sentences)

    def add_vocab(self, sentences):
        """Adds the counts of more sentences (the model can be trained in several calls)."""
        for sentence in sentences:
            tokens = _tokens(sentence)
            self.unigrams.update(tokens)
            self.bigrams.update(zip(tokens, tokens[1:]))
        return self

    @property
    def vocab_size(self):
        return len(self.unigrams) + len(self.bigrams)

    def score(self, a, b):
        """The score of bigram (a, b), or None when a, b or the pair never occurred."""
        n_ab = self.bigrams.get((a, b), 0)
        if not n_ab:
            return None
        return (n_ab - self.min_count) * self.vocab_size / (self.unigrams[a] * self.unigrams[b])

    def is_phrase(self, a, b):
        s = self.score(a, b)
        return s is not None and s > self.threshold

    def export_phrases(self):
        """{"a_b": score} for every learned bigram that scores above the threshold."""
        return {self.delimiter.join(p): s for p in self.bigrams if (s := self.score(*p)) > self.threshold}

    def _apply(self, tokens):
        out, i = [], 0
        while i < len(tokens):
            if i + 1 < len(tokens) and self.is_phrase(tokens[i], tokens[i + 1]):
                out.append(tokens[i] + self.delimiter + tokens[i + 1])
                i += 2
            else:
                out.append(tokens[i])
                i += 1
        return out

    def __getitem__(self, sentence_or_corpus):
        items = list(sentence_or_corpus)
        if items and all(isinstance(t, str) for t in items):
            return self._apply(items)
        return [self._apply(_tokens(s)) for s in items]


def _tokens(sentence):
    if isinstance(sentence, str):
        raise TypeError("a sentence is a list of tokens, not a string (tokenize it first, e.g. pydl_nlp.text."
                        "word_tokenize)")
    tokens = list(sentence)
    bad = [t for t in tokens if not isinstance(t, str)]
    if bad:
        raise TypeError(f"tokens must be strings, got {bad[0]!r}")
    return tokens
