"""Text models trained in pydl's C++ core: word2vec (gensim-4-like API) and the keyed vectors it produces.

>>> from pydl.text import Word2Vec
>>> model = Word2Vec([["cat", "dog"], ["dog", "bird"]] * 50, vector_size=16, min_count=1, epochs=2, workers=1)
>>> model.wv["dog"].shape
(16,)
"""
from .keyed_vectors import KeyedVectors
from .word2vec import Word2Vec

__all__ = ["KeyedVectors", "Word2Vec"]
