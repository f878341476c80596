"""Masks end to end (Keras 2 semantics): Embedding(mask_zero=True) or Masking -> recurrent layers; a masked step
carries the state over, so padding on either side gives the unpadded sequence's final state."""
import numpy as np
import pytest

import pydl
from pydl.layers import (LSTM, GRU, Activation, Dense, Dropout, Embedding, Input, Masking, SimpleRNN,
                         SpatialDropout1D)
from pydl.layers.wrappers import Bidirectional
from pydl.models import Model, Sequential

SEQ = np.array([[3, 7, 2, 9, 4], [5, 1, 8, 6, 2]])


def _padded(left):
    pad = np.zeros((2, 3), dtype=SEQ.dtype)
    return np.concatenate([pad, SEQ] if left else [SEQ, pad], axis=1)


def _same_weights(dst, src):
    dst.set_weights(src.get_weights())


@pytest.mark.parametrize("rnn", [LSTM, GRU, SimpleRNN])
def test_sequential_padding_either_side_gives_unpadded_state(rnn):
    pydl.manual_seed(0)
    ref = Sequential([Embedding(10, 4, mask_zero=True, input_length=5), SpatialDropout1D(0.2), rnn(6)])
    want = ref.predict(SEQ)
    for left in (True, False):
        m = Sequential([Embedding(10, 4, mask_zero=True, input_length=8), SpatialDropout1D(0.2), rnn(6)])
        m.build((None, 8))
        _same_weights(m, ref)
        got = m.predict(_padded(left))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # without the mask the padding changes the state: the test can tell
    m = Sequential([Embedding(10, 4, mask_zero=False, input_length=8), rnn(6)])
    m.build((None, 8))
    _same_weights(m, ref)
    assert not np.allclose(m.predict(_padded(True)), want, atol=1e-4)


def test_functional_lstm_and_bidirectional():
    pydl.manual_seed(1)

    def build(steps):
        inp = Input(shape=(steps,), dtype="int32")
        e = Embedding(10, 4, mask_zero=True)(inp)
        e = Dropout(0.1)(Activation("linear")(e))
        a = LSTM(5)(e)
        b = Bidirectional(LSTM(3))(e)
        return Model(inp, [a, b])

    ref = build(5)
    want = ref.predict(SEQ)
    for left in (True, False):
        m = build(8)
        _same_weights(m, ref)
        got = m.predict(_padded(left))
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_return_sequences_keeps_mask_and_dense_passes_it():
    pydl.manual_seed(2)

    def build(steps):
        inp = Input(shape=(steps,), dtype="int32")
        s = LSTM(5, return_sequences=True)(Embedding(10, 4, mask_zero=True)(inp))
        out = GRU(3)(Dense(5)(s))  # Keras 2: Dense keeps the time steps' mask
        return Model(inp, [s, out])

    ref = build(5)
    want_seq, want = ref.predict(SEQ)
    m = build(8)
    _same_weights(m, ref)
    seqs, got = m.predict(_padded(False))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(seqs[:, :5], want_seq, rtol=1e-5, atol=1e-6)
    # masked steps carry the previous output over (Keras)
    np.testing.assert_allclose(seqs[:, 5:], np.repeat(seqs[:, 4:5], 3, axis=1), rtol=1e-6)


def test_masking_layer_and_training_step():
    pydl.manual_seed(3)
    x = np.random.RandomState(0).randn(4, 6, 3).astype("float32")
    x[:2, :2] = 0.0  # left padding on two rows
    m = Sequential([Masking(0.0, input_shape=(6, 3)), LSTM(4, dropout=0.2), Dense(1, activation="sigmoid")])
    m.compile("adam", "binary_crossentropy")
    h = m.fit(x, np.array([0, 1, 0, 1.0]), epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(h.history["loss"]).all()
    ref = Sequential([LSTM(4, input_shape=(4, 3)), Dense(1, activation="sigmoid")])
    ref.set_weights(m.get_weights())
    np.testing.assert_allclose(m.predict(x[:2]), ref.predict(x[:2, 2:]), rtol=1e-5, atol=1e-6)
