"""pydl.utils.set_random_seed(s) makes a whole fit() reproducible: initial weights, dropout and the shuffling of
the data every epoch (pydl.manual_seed alone seeds only pydl's C++ generator, not the shuffle)."""
import numpy as np

import pydl
from pydl.layers import Dense, Dropout
from pydl.models import Sequential


def run(seed, shuffle=True):
    pydl.utils.set_random_seed(seed)
    rng = np.random.default_rng(0)  # the data are fixed; only the seed varies
    x = rng.standard_normal((96, 5)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    m = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dropout(0.3), Dense(1, activation="sigmoid")])
    m.compile("sgd", "binary_crossentropy")
    h = m.fit(x, y, epochs=3, batch_size=8, shuffle=shuffle, verbose=0)
    return [w for layer in m.layers for w in layer.get_weights()], h.history["loss"]


def test_same_seed_same_run_including_shuffling():
    (w1, l1), (w2, l2) = run(7), run(7)
    assert l1 == l2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_the_seed_drives_the_shuffle(monkeypatch):
    shuffled, plain = run(7)[0], run(7, shuffle=False)[0]
    real = np.random.seed
    monkeypatch.setattr(np.random, "seed", lambda s: real(s + 1))  # only NumPy's generator (the shuffle) changes
    assert all(np.array_equal(a, b) for a, b in zip(plain, run(7, shuffle=False)[0]))  # weights, dropout: pydl's
    assert any(not np.array_equal(a, b) for a, b in zip(shuffled, run(7)[0]))
