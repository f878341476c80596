"""fit / evaluate / predict on generators, iterators, lists of batches and Sequences (Keras 2's *_generator)."""
import numpy as np
import pytest

import pydl
from pydl.callbacks import Callback
from pydl.layers import Dense, Input, concatenate
from pydl.models import Model, Sequential
from pydl.models.generators import Sequence
from pydl.optimizers import SGD

N, BS = 100, 32   # 4 batches: 32, 32, 32, 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    x = rng.randn(N, 6).astype("float32")
    y = (x[:, :3].argmax(1)).astype("int64")
    return x, y


def model(seed=0):
    pydl.utils.set_random_seed(seed)
    m = Sequential([Dense(16, activation="relu", input_shape=(6,)), Dense(3, activation="softmax")])
    m.compile(SGD(lr=0.1), "sparse_categorical_crossentropy", metrics=["acc"])
    return m


def batches(x, y, w=None):
    return [(x[s:s + BS], y[s:s + BS]) + (() if w is None else (w[s:s + BS],)) for s in range(0, len(x), BS)]


def forever(x, y):
    while True:
        yield from batches(x, y)


class Batches(Sequence):
    def __init__(self, x, y):
        self.items = batches(x, y)
        self.epochs_ended = 0
        self.asked = []

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        self.asked.append(i)
        return self.items[i]

    def on_epoch_end(self):
        self.epochs_ended += 1


def assert_same_history(h1, h2):
    assert h1.history.keys() == h2.history.keys()
    for k in h1.history:
        np.testing.assert_allclose(h1.history[k], h2.history[k], rtol=1e-6, err_msg=k)


def test_list_of_batches_gives_the_history_of_array_fit(data):
    x, y = data
    ref = model().fit(x, y, batch_size=BS, epochs=3, shuffle=False, verbose=0, validation_data=(x[:40], y[:40]))
    m = model()
    h = m.fit(batches(x, y), epochs=3, verbose=0, validation_data=batches(x[:40], y[:40]))
    assert_same_history(ref, h)
    assert h.history["loss"][-1] < h.history["loss"][0]
    np.testing.assert_allclose(m.evaluate(batches(x, y), verbose=0), m.evaluate(x, y, batch_size=BS, verbose=0),
                               rtol=1e-6)


def test_endless_generator_follows_steps_per_epoch(data):
    x, y = data
    ref = model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, verbose=0)
    seen = []
    cb = type("Count", (Callback,), {"on_batch_end": lambda self, b, logs: seen.append(logs["size"])})()
    h = model().fit(forever(x, y), steps_per_epoch=4, epochs=2, verbose=0, callbacks=[cb])
    assert_same_history(ref, h)
    assert seen == [32, 32, 32, 4] * 2 and cb.params["steps"] == 4 and cb.params["samples"] is None
    # steps_per_epoch=3 does not realign with the data: epoch 2 starts at the 4-sample batch
    seen.clear()
    model().fit(forever(x, y), steps_per_epoch=3, epochs=2, verbose=0, callbacks=[cb])
    assert seen == [32, 32, 32, 4, 32, 32]


def test_sequence_uses_len_calls_on_epoch_end_and_shuffles_batch_order(data):
    x, y = data
    ref = model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, verbose=0)
    seq = Batches(x, y)
    assert_same_history(ref, model().fit(seq, epochs=2, shuffle=False, verbose=0))
    assert seq.asked == [0, 1, 2, 3] * 2 and seq.epochs_ended == 2
    seq = Batches(x, y)
    np.random.seed(5)
    model().fit(seq, epochs=3, verbose=0)   # shuffle=True permutes the batch order of every pass
    passes = [seq.asked[i:i + 4] for i in range(0, 12, 4)]
    assert all(sorted(p) == [0, 1, 2, 3] for p in passes) and len({tuple(p) for p in passes}) > 1


def test_validation_generator_and_sequence_match_array_validation(data):
    x, y = data
    ref = model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    h = model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, verbose=0,
                    validation_data=forever(x, y), validation_steps=4)
    assert_same_history(ref, h)
    h = model().fit(Batches(x, y), epochs=2, shuffle=False, verbose=0, validation_data=Batches(x, y))
    assert_same_history(ref, h)
    h = model().fit_generator(forever(x, y), steps_per_epoch=4, epochs=2, verbose=0,
                              validation_data=Batches(x, y), validation_freq=2)
    assert "val_loss" in h.history and len(h.history["val_loss"]) == 1
    np.testing.assert_allclose(h.history["val_loss"], ref.history["val_loss"][1:], rtol=1e-6)


def test_finite_generator_runs_until_exhausted(data):
    x, y = data
    ref = model().fit(x, y, batch_size=BS, epochs=1, shuffle=False, verbose=0)
    m = model()
    h = m.fit((b for b in batches(x, y)), epochs=1, verbose=0)
    assert_same_history(ref, h)
    with pytest.warns(RuntimeWarning, match="ran out of data after epoch 1 of 3"):
        h = model().fit(iter(batches(x, y)), epochs=3, verbose=0)
    assert h.epoch == [0]
    with pytest.warns(RuntimeWarning, match="ran out of data after epoch 2 of 5"):
        h = model().fit(iter(batches(x, y)), steps_per_epoch=3, epochs=5, verbose=0)
    assert h.epoch == [0, 1]   # epoch 2 had one batch (the last) and still counts, like Keras
    with pytest.raises(ValueError, match="no batches"):   # a validation generator used up by epoch 1
        model().fit(x, y, epochs=2, verbose=0, validation_data=iter(batches(x, y)))


def test_argument_errors(data):
    x, y = data
    m = model()
    for steps in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
            m.fit(forever(x, y), steps_per_epoch=steps, verbose=0)
    with pytest.raises(ValueError, match="validation_steps must be a positive integer"):
        m.fit(forever(x, y), steps_per_epoch=2, validation_data=forever(x, y), validation_steps=0, verbose=0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        m.evaluate(forever(x, y), steps=0)
    for kw in ({"y": y}, {"batch_size": 8}, {"sample_weight": np.ones(N)}):
        with pytest.raises(ValueError, match=f"`{next(iter(kw))}` argument is not supported"):
            m.fit(forever(x, y), steps_per_epoch=2, verbose=0, **kw)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(forever(x, y), steps_per_epoch=2, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"should be a tuple `\(x, y, sample_weight\)` or `\(x, y\)`. Found: ndarray"):
        m.fit((x[:8] for _ in range(3)), verbose=0)
    with pytest.raises(ValueError, match="no batches"):
        m.fit(iter([]), verbose=0)
    with pytest.raises(ValueError, match="expected dense_.* to have shape"):
        m.fit(iter([(x[:, :4], y)]), verbose=0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        m.fit(forever(x, y), steps_per_epoch=1, verbose=0, bogus=1)
    m.fit(forever(x, y), steps_per_epoch=1, verbose=0, workers=4, max_queue_size=2, use_multiprocessing=True)


def test_sample_and_class_weights_from_batches(data):
    x, y = data
    w = np.linspace(0.5, 2.0, N)
    ref = model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, verbose=0, sample_weight=w)
    assert_same_history(ref, model().fit(batches(x, y, w), epochs=2, verbose=0))
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    ref = model().fit(x, y, batch_size=BS, epochs=2, shuffle=False, verbose=0, class_weight=cw)
    assert_same_history(ref, model().fit(Batches(x, y), epochs=2, shuffle=False, verbose=0, class_weight=cw))


def test_evaluate_and_predict_on_generators(data):
    x, y = data
    m = model()
    m.fit(x, y, epochs=1, verbose=0)
    want = m.evaluate(x, y, batch_size=BS, verbose=0)
    np.testing.assert_allclose(m.evaluate(Batches(x, y), verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(m.evaluate(forever(x, y), steps=4, verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(m.evaluate_generator(forever(x, y), steps=4), want, rtol=1e-6)
    assert m.evaluate(Batches(x, y), verbose=0, return_dict=True).keys() == {"loss", "acc"}
    p = m.predict(x)
    np.testing.assert_allclose(m.predict(Batches(x, y)), p, rtol=1e-6)
    np.testing.assert_allclose(m.predict((x[s:s + 10] for s in range(0, N, 10))), p, rtol=1e-6)   # bare x batches
    np.testing.assert_allclose(m.predict_generator(forever(x, y), steps=2), p[:64], rtol=1e-6)
    np.testing.assert_allclose(m.predict([x[:5]]), p[:5], rtol=1e-6)   # a list stays array input for predict
    with pytest.raises(ValueError, match="no batches"):
        m.predict(iter([]))


def test_multi_input_batches_as_dicts_and_lists(data):
    x, y = data
    pydl.utils.set_random_seed(0)
    a, b = Input((3,), name="a"), Input((3,), name="b")
    out = Dense(3, activation="softmax")(concatenate([Dense(8)(a), Dense(8)(b)]))
    m = Model([a, b], out)
    m.compile("adam", "sparse_categorical_crossentropy")
    w0 = m.get_weights()
    ref = m.fit([x[:, :3], x[:, 3:]], y, batch_size=BS, epochs=2, shuffle=False, verbose=0)
    m.set_weights(w0)
    m.compile("adam", "sparse_categorical_crossentropy")
    dict_batches = [({"a": xa[:, :3], "b": xa[:, 3:]}, ya) for xa, ya in batches(x, y)]
    assert_same_history(ref, m.fit(dict_batches, epochs=2, verbose=0))
    p = m.predict([x[:, :3], x[:, 3:]])
    np.testing.assert_allclose(m.predict(([xa[:, :3], xa[:, 3:]] for xa, _ in batches(x, y))), p, rtol=1e-6)


def test_progress_bar_with_known_and_unknown_steps(data, capsys, monkeypatch):
    monkeypatch.setenv("PYDL_PROGRESS", "plain")
    x, y = data
    m = model()
    m.fit(forever(x, y), steps_per_epoch=4, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "4/4 [" in out and "step" in out and "loss:" in out
    steps_seen = []
    cb = type("Steps", (Callback,), {"on_epoch_begin": lambda self, e, logs: steps_seen.append(self.params["steps"])})()
    it = type("Reiterable", (), {"__iter__": lambda self: iter(batches(x, y))})()   # no len(): steps learnt
    m.fit(it, epochs=2, verbose=1, callbacks=[cb])
    out = capsys.readouterr().out
    assert steps_seen == [None, 4] and "4/4 [" in out   # epoch 2's bar knows the count
    m.evaluate(forever(x, y), steps=2, verbose=1)
    m.predict(Batches(x, y), verbose=1)
    out = capsys.readouterr().out
    assert "2/2 [" in out and "4/4 [" in out
