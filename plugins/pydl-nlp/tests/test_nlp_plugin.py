"""pydl-nlp: preprocessing, phrases, the book's parameter counts, evaluation, the t-SNE plot, data encoding, and a
tiny run of every recipe on the generated corpus."""
import argparse
import pathlib
import sys

import numpy as np
import pytest

from pydl_nlp import data, evaluate, models, text, tsne
from pydl_nlp.corpus import generate_reviews
from pydl_nlp.phrases import Phrases
from pydl_nlp.recipes import classifiers

BOOK_PARAMS = {"dense": 729_729, "conv": 435_457, "rnn": 722_433, "lstm": 968_961, "gru": 886_785,
               "bilstm": 1_297_921, "stacked_bilstm": 804_993, "conv_lstm": 718_529, "multi_convnet": 681_601}


def test_tokenizers():
    t = 'Mr. Smith liked it. He didn\'t! "Why?" she asked, e.g. twice... It cost 3.50 dollars'
    assert text.sent_tokenize(t) == ["Mr. Smith liked it.", "He didn't!", '"Why?" she asked, e.g. twice...',
                                     "It cost 3.50 dollars"]
    assert text.word_tokenize("He didn't pay 3.50, e.g. twice...") == ["He", "didn't", "pay", "3.50", ",", "e.g.",
                                                                     "twice", "..."]
    with pytest.raises(TypeError, match="expects a string"):
        text.word_tokenize(["a"])


def test_preprocess_lower_stopwords_punctuation_and_stemming():
    tokens = text.word_tokenize("The Cats were running, and the dog JUMPED!")
    assert text.preprocess(tokens) == ["cats", "running", "dog", "jumped"]
    assert text.preprocess(tokens, stem=True) == ["cat", "run", "dog", "jump"]
    assert text.preprocess(tokens, lower=False, remove_stop_words=False) == ["The", "Cats", "were", "running", "and",
                                                                            "the", "dog", "JUMPED"]
    assert text.tokenize_corpus("Dogs ran. The end!", stem=True) == [["dog", "ran"], ["end"]]
    assert "the" in text.stop_words() and len(text.stop_words()) > 300


def test_phrases_score_is_gensims_original_scorer():
    corpus = [["new", "york", "is", "big"], ["new", "york", "city"], ["i", "like", "new", "york"], ["new", "car"]]
    p = Phrases(corpus, min_count=1, threshold=1.0)
    n_vocab = 8 + 7  # distinct unigrams (new york is big city i like car) + distinct bigrams (7)
    assert p.vocab_size == n_vocab
    assert p.score("new", "york") == pytest.approx((3 - 1) * n_vocab / (4 * 3))
    assert p.score("new", "car") == 0.0 and p.score("york", "new") is None
    assert p[["i", "saw", "new", "york", "today"]] == ["i", "saw", "new_york", "today"]
    assert p[[["new", "york"], ["new", "car"]]] == [["new_york"], ["new", "car"]]
    assert p.export_phrases() == {"new_york": pytest.approx(2.5)}  # bigrams seen once score (1 - 1) * ... = 0
    strict = Phrases(corpus, min_count=3, threshold=1.0)  # count(new york) = 3 is not above min_count
    assert strict[["new", "york"]] == ["new", "york"] and strict.export_phrases() == {}
    with pytest.raises(TypeError, match="list of tokens"):
        Phrases(["new york"])
    with pytest.raises(ValueError, match="min_count"):
        Phrases(corpus, min_count=-1)


def test_encode_decode_with_keras_offsets():
    index = data.build_word_index(["b a b", "c b a"])
    assert index == {"b": 1, "a": 2, "c": 3}
    assert data.encode(["A b zzz"], index) == [[2, 1]]
    assert data.decode([0, 0, 1, 5, 4, 2, 6], index) == "START a b UNK c"


def test_generated_data_is_deterministic_balanced_and_padded():
    texts, labels = generate_reviews(50, seed=3)
    assert generate_reviews(50, seed=3)[0] == texts and labels.sum() == 25
    (xt, yt), (xv, yv), index, what = data.load("generated", n_unique_words=50, max_review_length=30, limit=40,
                                                verbose=False)
    assert xt.shape == (40, 30) and xv.shape == (40, 30) and xt.max() < 50 and "GENERATED" in what
    assert set(np.unique(yt)) == {0, 1}
    with pytest.raises(ValueError, match="data must be one of"):
        data.load("cifar")


def test_generated_corpus_is_learnable():
    """Counting positive minus negative words (blind to "not") separates the classes, but far from perfectly."""
    from pydl_nlp.corpus import NEGATIVE, POSITIVE
    texts, labels = generate_reviews(400, seed=1)
    score = [sum((w in POSITIVE) - (w in NEGATIVE) for w in t.lower().replace(".", "").split()) for t in texts]
    auc = evaluate.roc_auc(labels, score)
    assert 0.7 < auc < 0.95


def test_evaluation(tmp_path):
    y, p = np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.35, 0.8])
    assert evaluate.roc_auc(y, p) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="both classes"):
        evaluate.roc_auc([1, 1], [0.2, 0.3])
    wrong = evaluate.misclassified(np.array([[0, 1, 4], [1, 5, 4], [1, 4, 4], [1, 5, 5]]), y, p, {"good": 1, "bad": 2},
                                   n=5)
    assert wrong == [(0.35, 1, "START good good"), (0.6, 0, "START bad good")]  # the worst first
    path = evaluate.probability_histogram(p, tmp_path / "hist.png")
    assert pathlib.Path(path).stat().st_size > 1000


def test_tsne_plot_of_random_word_vectors(tmp_path):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(2, 16)) * 10
    vectors = np.concatenate([centers[0] + rng.normal(size=(6, 16)), centers[1] + rng.normal(size=(6, 16))])
    words = [f"w{i}" for i in range(12)]
    xy = tsne.plot_word_vectors(words, vectors, tmp_path / "tsne.png", perplexity=4)
    assert xy.shape == (12, 2) and (tmp_path / "tsne.png").stat().st_size > 1000
    a, b = xy[:6], xy[6:]
    spread = max(np.linalg.norm(a - a.mean(0), axis=1).max(), np.linalg.norm(b - b.mean(0), axis=1).max())
    assert np.linalg.norm(a.mean(0) - b.mean(0)) > spread  # the two clusters stay apart in the map
    with pytest.raises(ValueError, match="one row per word"):
        tsne.plot_word_vectors(words[:3], vectors, tmp_path / "x.png")


def test_plugin_registers_models_and_recipes():
    import pydl
    assert pydl.registry.models["nlp.lstm"] is models.lstm
    assert set(BOOK_PARAMS) == set(classifiers.SPECS)
    assert all(f"nlp.{n}" in pydl.registry.recipes for n in BOOK_PARAMS)


@pytest.mark.parametrize("name", list(BOOK_PARAMS))
def test_recipe_tiny_run(name, tmp_path, capsys):
    plot = tmp_path / "hist.png"
    args = argparse.Namespace(epochs=1, batch_size=32, seed=0, plot=str(plot), verbose=1, threads=None,
                              data="generated", limit=48)
    result = classifiers.make(name)(args)  # builds the book's model: its parameter count is checked here
    out = capsys.readouterr()
    assert result["params"] == BOOK_PARAMS[name] and result["train_samples"] == 48
    assert 0.0 <= result["val_accuracy"] <= 1.0 and 0.0 <= result["roc_auc"] <= 1.0
    assert "GENERATED sentiment corpus" in out.out and f"nlp.{name}: validation accuracy" in out.out
    assert "ROC AUC" in out.out and "Epoch 1/1" in out.out + out.err and plot.stat().st_size > 1000


def _w2v_args(**over):
    base = dict(epochs=5, seed=0, plot=None, limit=600, vector_size=24, window=5, min_count=5, cbow=False,
                phrase_min_count=32, phrase_threshold=64.0, workers=1)
    return argparse.Namespace(**dict(base, **over))


def _hide_gensim(monkeypatch):
    for name in ("gensim", "gensim.test", "gensim.test.utils"):
        monkeypatch.setitem(sys.modules, name, None)


def test_word2vec_recipe_reports_and_plots(tmp_path, monkeypatch, capsys):
    from pydl_nlp.recipes import word2vec
    _hide_gensim(monkeypatch)
    args = _w2v_args(limit=200, epochs=2, plot=str(tmp_path / "tsne.png"))
    result = word2vec.run(args)
    out = capsys.readouterr().out
    assert "GENERATED reviews" in result["data"] and result["documents"] == 200 and result["tokens"] > 4000
    assert "nlp.word2vec: 200 documents" in out and "words/s" in out and "t-SNE map" in out
    assert result["vocabulary"] > 50 and (tmp_path / "tsne.png").stat().st_size > 1000
    assert word2vec.run(_w2v_args(limit=200, epochs=2))["neighbours"] == result["neighbours"]  # workers=1: same
