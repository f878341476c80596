"""pydl-nlp: the book's natural-language chapter (11) as a pydl plugin: text preprocessing, bigram phrases, the
sentiment classifiers and their recipes, evaluation, and a t-SNE plot of word vectors.

Uses only pydl's public API (a test checks that nothing here imports ``pydl._C`` or a private pydl module).
"""
__version__ = "0.1.0"
