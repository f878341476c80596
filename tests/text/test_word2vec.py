"""pydl.text.Word2Vec: reproducibility, vocabulary and subsampling counts, planted structure learned by skip-gram and
CBOW, query semantics against NumPy, and input validation."""
import numpy as np
import pytest

from pydl import _C
from pydl.text import KeyedVectors, Word2Vec

TOPICS = [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]


def topic_corpus(n=600, length=8, seed=0):
    """Sentences drawn from one of two disjoint topics: words co-occur only with their own topic."""
    rng = np.random.default_rng(seed)
    return [list(rng.choice(TOPICS[rng.integers(2)], length)) for _ in range(n)]


def small(**kw):
    args = dict(vector_size=16, window=3, min_count=1, epochs=3, workers=1, seed=3, sample=0)
    args.update(kw)
    return Word2Vec(topic_corpus(200), **args)


def test_bit_reproducible_with_one_worker():
    a, b, c = small(), small(), small(seed=4)
    assert np.array_equal(a.wv.vectors, b.wv.vectors) and np.array_equal(a.syn1neg, b.syn1neg)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)
    # training changed the vectors away from their initial values
    assert not np.array_equal(a.wv.vectors, Word2Vec(topic_corpus(200), vector_size=16, min_count=1, epochs=0,
                                                     seed=3).wv.vectors)


def test_several_workers_train_finite_vectors():
    m = small(workers=3, epochs=2)
    assert np.isfinite(m.wv.vectors).all() and np.abs(m.wv.vectors).max() > 0.05


def test_vocabulary_min_count_and_order():
    sents = [["x"] * 5 + ["y"] * 3 + ["z"] * 2 + ["w"]]
    m = Word2Vec(vector_size=4, min_count=2)
    m.build_vocab(sents)
    assert m.wv.index_to_key == ["x", "y", "z"]
    assert m.wv.key_to_index == {"x": 0, "y": 1, "z": 2}
    assert [m.wv.get_vecattr(w, "count") for w in "xyz"] == [5, 3, 2]
    assert m.corpus_count == 1 and m.corpus_total_words == 11
    assert "w" not in m.wv
    with pytest.raises(KeyError, match="'w' not present"):
        m.wv["w"]


def test_max_vocab_size_prunes_rare_words():
    sents = [["common"] * 10 + [f"rare{i}" for i in range(50)]]
    m = Word2Vec(vector_size=4, min_count=1, max_vocab_size=20)
    m.build_vocab(sents)
    assert "common" in m.wv and len(m.wv) <= 20


def test_effective_words_without_and_with_subsampling():
    rng = np.random.default_rng(1)
    # one word makes up half the corpus: subsampling must drop most of it
    sents = [["the" if rng.random() < 0.5 else f"w{rng.integers(200)}" for _ in range(20)] for _ in range(2000)]
    m = Word2Vec(vector_size=8, min_count=1, sample=0, epochs=2, workers=1)
    m.build_vocab(sents)
    eff, raw = m.train(sents, epochs=2)
    assert eff == raw == 2 * 40000
    m = Word2Vec(vector_size=8, min_count=1, sample=1e-3, epochs=2, workers=1)
    m.build_vocab(sents)
    eff, raw = m.train(sents, epochs=2)
    c = m.wv.counts.astype(np.float64)
    t = 1e-3 * c.sum()
    expected = 2 * (c * np.minimum(1.0, (np.sqrt(c / t) + 1) * t / c)).sum()
    assert raw == 80000 and abs(eff - expected) < 5 * np.sqrt(expected)


@pytest.mark.parametrize("sg", [1, 0])
def test_planted_topics_are_most_similar(sg):
    m = Word2Vec(topic_corpus(), vector_size=20, window=4, min_count=1, sg=sg, epochs=5, workers=1, seed=1,
                 sample=0)
    for topic in TOPICS:
        for w in topic:
            near = [k for k, _ in m.wv.most_similar(w, topn=7)]
            assert set(near) == set(topic) - {w}, (w, near)
    assert m.wv.similarity("a0", "a1") > m.wv.similarity("a0", "b1") + 0.3
    assert m.wv.doesnt_match(["a1", "a2", "a3", "b4"]) == "b4"


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_queries_match_numpy_cosine():
    rng = np.random.default_rng(5)
    keys = [f"k{i}" for i in range(30)]
    vecs = rng.standard_normal((30, 6)).astype(np.float32)
    kv = KeyedVectors.from_arrays(keys, vecs)
    normed = unit(vecs.astype(np.float64))
    assert kv.similarity("k1", "k2") == pytest.approx(normed[1] @ normed[2], rel=1e-5)
    q = unit(normed[3] + normed[4] - normed[5])
    sims = normed @ q
    sims[[3, 4, 5]] = -np.inf
    order = np.argsort(-sims)[:4]
    got = kv.most_similar(positive=["k3", "k4"], negative=["k5"], topn=4)
    assert [k for k, _ in got] == [keys[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], sims[order], rtol=1e-5)
    assert kv.most_similar("k0", topn=None).shape == (30,)
    words = ["k7", "k8", "k9", "k10"]
    mean = unit(normed[[7, 8, 9, 10]].mean(0))
    assert kv.doesnt_match(words + ["unknown"]) == words[int(np.argmin(normed[[7, 8, 9, 10]] @ mean))]
    np.testing.assert_array_equal(kv[["k1", "k2"]], vecs[1:3])
    with pytest.raises(ValueError, match="at least one key"):
        kv.most_similar()
    with pytest.raises(ValueError, match="none of the words"):
        kv.doesnt_match(["nope"])


def test_word_pair_and_analogy_evaluation(tmp_path):
    # planted vectors: capital - country is one offset, so every analogy holds
    countries, capitals = ["france", "italy", "spain"], ["paris", "rome", "madrid"]
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 8))
    offset = 3 * rng.standard_normal(8)
    vecs = np.concatenate([base, base + offset, rng.standard_normal((2, 8))]).astype(np.float32)
    kv = KeyedVectors.from_arrays(countries + capitals + ["cat", "dog"], vecs)
    q = tmp_path / "q.txt"
    q.write_text(": capital\nFrance Paris Italy Rome\nItaly Rome Spain Madrid\nFrance Paris Spain Rome\n"
                 "France Paris Narnia Cair\n")
    acc, sections = kv.evaluate_word_analogies(str(q))
    assert acc == pytest.approx(2 / 3)
    assert len(sections[0]["correct"]) == 2 and len(sections[0]["incorrect"]) == 1
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# header\nfrance\tparis\t9\nfrance\titaly\t5\ncat\tdog\t1\ncat\tunicorn\t4\n")
    (pr, _), (sr, _), oov = kv.evaluate_word_pairs(str(pairs))
    model = [kv.similarity("france", "paris"), kv.similarity("france", "italy"), kv.similarity("cat", "dog")]
    ranks = np.argsort(np.argsort(model))
    assert sr == pytest.approx(np.corrcoef(ranks, [2, 1, 0])[0, 1])
    assert pr == pytest.approx(np.corrcoef(model, [9, 5, 1])[0, 1], rel=1e-6)
    assert oov == pytest.approx(25.0)


def test_own_rank_correlation_matches_scipy():
    from pydl.text import evaluation
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 5, 40).astype(float), rng.standard_normal(40)  # ties in a
    assert evaluation._pearson(evaluation._ranks(a), evaluation._ranks(b)) == pytest.approx(
        stats.spearmanr(a, b)[0], rel=1e-12)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trip(tmp_path, binary):
    m = small()
    path = tmp_path / "v.bin"
    m.wv.save_word2vec_format(str(path), binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == m.wv.index_to_key
    np.testing.assert_array_equal(kv.vectors, m.wv.vectors)  # %.9g and raw float32 are both exact
    assert KeyedVectors.load_word2vec_format(str(path), binary=binary, limit=3).index_to_key == \
        m.wv.index_to_key[:3]


@pytest.mark.parametrize("binary,content,match", [
    (False, b"garbage\n", "first line"),
    (False, b"2 3\n", "need at least"),
    (False, b"-1 3\n", "count >= 0"),
    (False, b"1 2\nw 1.0\n", "1 values after the word, expected 2"),
    (False, b"1 2\nw 1.0 x!\n", "not a number"),
    (False, b"1 2\nw 1 2\nv 3 4\n", "more data"),
    (False, b"2 1\nw 1.000000\n", "ends after 1"),
    (False, b"1 1\n\xff\xfe 1\n", "not valid utf8"),
    (True, b"1 2\nlongwordxx " + np.float32([1]).tobytes(), "ends inside vector"),
    (True, b"1000000 300\nw ", "need at least"),
])
def test_malformed_vector_files(tmp_path, binary, content, match):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        KeyedVectors.load_word2vec_format(str(path), binary=binary)


def test_save_load_model(tmp_path):
    m = small(sg=1)
    path = tmp_path / "m.pydl"
    m.save(str(path))
    m2 = Word2Vec.load(str(path))
    np.testing.assert_array_equal(m2.wv.vectors, m.wv.vectors)
    np.testing.assert_array_equal(m2.syn1neg, m.syn1neg)
    assert m2.wv.index_to_key == m.wv.index_to_key and m2.get_config() == m.get_config()
    # training goes on from the loaded state exactly as from the original
    sents = topic_corpus(50, seed=9)
    m.train(sents, epochs=1)
    m2.train(sents, epochs=1)
    np.testing.assert_array_equal(m2.wv.vectors, m.wv.vectors)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated or corrupt|not a pydl"):
        Word2Vec.load(str(path))
    import pydl
    m.save(str(path))
    with pytest.raises(ValueError, match="word2vec model"):
        pydl.saving.load_model(str(path))


@pytest.mark.parametrize("kw,match", [
    ({"vector_size": 0}, "vector_size must be an int >= 1"),
    ({"window": 0}, "window"),
    ({"sg": 2}, "sg and cbow_mean"),
    ({"min_alpha": 0.5}, "min_alpha"),
    ({"alpha": float("nan")}, "alpha must be a finite"),
    ({"workers": 0}, "workers"),
    ({"negative": 0}, "negative"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec(**kw)


def test_bad_corpora():
    with pytest.raises(TypeError, match="not a string"):
        Word2Vec("a b c", min_count=1)
    with pytest.raises(TypeError, match="sentence 1 is a str"):
        Word2Vec([["a"], "b c"], min_count=1)
    with pytest.raises(TypeError, match="tokens must be str"):
        Word2Vec([["a", 3]], min_count=1)
    with pytest.raises(ValueError, match="no word occurs min_count=5"):
        Word2Vec([["a", "b"]])
    with pytest.raises(RuntimeError, match="build the vocabulary first"):
        Word2Vec().train([["a"]])
    with pytest.raises(NotImplementedError, match="hierarchical softmax"):
        Word2Vec(hs=1)


def test_core_validates_its_inputs():
    syn0, syn1 = np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float32)
    counts = np.ones(3, np.int64)

    def run(ids, offsets, s0=syn0, c=counts, **kw):
        args = dict(sg=True, cbow_mean=True, window=2, negative=2, sample=0.0, ns_exponent=0.75, alpha=0.025,
                    min_alpha=0.0, epochs=1, workers=1, seed=0)
        args.update(kw)
        return _C._word2vec_train(s0, syn1, np.asarray(ids, np.int32), np.asarray(offsets, np.int64), c, **args)

    assert run([0, 1, 2], [0, 3]) == 3
    with pytest.raises(IndexError, match=r"ids\[1\] = 3 is out of range for a vocabulary of 3"):
        run([0, 3], [0, 2])
    with pytest.raises(ValueError, match="non-decreasing"):
        run([0, 1], [0, 2, 1, 2])
    with pytest.raises(ValueError, match="last offset must be len"):
        run([0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"offsets\[0\] must be 0"):
        run([0, 1], [1, 2])
    with pytest.raises(TypeError, match="syn0 must be float32"):
        run([0], [0, 1], s0=syn0.astype(np.float64))
    with pytest.raises(ValueError, match="every count is 0"):
        run([0], [0, 1], c=np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="counts has 2 entries"):
        run([0], [0, 1], c=np.ones(2, np.int64))
    with pytest.raises(ValueError, match="workers must be"):
        run([0], [0, 1], workers=0)


def test_one_shot_iterators_and_unknown_options_are_refused():
    corpus = [["cat", "dog"], ["dog", "bird"]] * 20
    with pytest.raises(TypeError, match="restartable iterable"):
        Word2Vec((s for s in corpus), min_count=1, workers=1)
    model = Word2Vec(corpus, vector_size=8, min_count=1, epochs=1, workers=1)
    with pytest.raises(ValueError, match="corpus is empty"):
        model.train(iter([]), total_examples=1)
    with pytest.raises(TypeError, match="epoch"):
        model.train(corpus, epoch=3)
    with pytest.raises(NotImplementedError, match="compute_loss"):
        model.train(corpus, compute_loss=True)
