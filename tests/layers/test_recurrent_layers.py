"""SimpleRNN, LSTM, GRU, Bidirectional and TimeDistributed: Keras 2 parameter counts of the book's chapter 11
models, outputs against the op's NumPy reference, states, masks, dropout, config round trips and a training run."""
import numpy as np
import pytest

import pydl
from pydl.layers import GRU, LSTM, Bidirectional, Conv1D, Dense, Input, MaxPooling1D, SimpleRNN, TimeDistributed
from pydl.layers import recurrent, wrappers
from pydl.models import Sequential

from rnn_reference import reference

V_D = 10000 * 64  # the book's Embedding(10000, 64), built by another layer: counted here by hand


def _count(layers, shape):
    for layer in layers:  # counts do not depend on values: skip the orthogonal init's QRs (slow on a busy machine)
        for rnn in [layer] + [getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)]:
            if hasattr(rnn, "recurrent_initializer"):
                rnn.recurrent_initializer = pydl.initializers.get("zeros")
    return Sequential([Input(shape)] + layers).count_params()


@pytest.mark.parametrize("make, total, length", [
    (lambda: [SimpleRNN(256, dropout=0.2), Dense(1, activation="sigmoid")], 722_433, 100),
    (lambda: [LSTM(256, dropout=0.2), Dense(1, activation="sigmoid")], 968_961, 100),
    (lambda: [GRU(256, dropout=0.2), Dense(1, activation="sigmoid")], 886_785, 100),
    (lambda: [Bidirectional(LSTM(256, dropout=0.2)), Dense(1, activation="sigmoid")], 1_297_921, 200),
    (lambda: [Bidirectional(LSTM(64, dropout=0.2, return_sequences=True)), Bidirectional(LSTM(64, dropout=0.2)),
              Dense(1, activation="sigmoid")], 804_993, 200),
    (lambda: [Conv1D(64, 3, activation="relu"), MaxPooling1D(4), Bidirectional(LSTM(64)),
              Dense(1, activation="sigmoid")], 718_529, 200),
])
def test_book_parameter_counts(make, total, length):
    assert _count(make(), (length, 64)) == total - V_D


def test_keras_weight_names_shapes_and_forget_bias():
    lstm = LSTM(5)
    lstm.build((None, 7, 3))
    assert [tuple(w.shape) for w in lstm.weights] == [(3, 20), (5, 20), (20,)]
    assert [w.name for w in lstm._weights] == [f"{lstm.name}/kernel", f"{lstm.name}/recurrent_kernel",
                                               f"{lstm.name}/bias"]
    np.testing.assert_array_equal(np.asarray(lstm.bias), [0] * 5 + [1] * 5 + [0] * 10)
    gru = GRU(4, reset_after=True)
    gru.build((None, 2, 3))
    assert [tuple(w.shape) for w in gru.weights] == [(3, 12), (4, 12), (2, 12)]
    assert GRU(4).recurrent_activation == "sigmoid" and SimpleRNN(3).recurrent_activation is None


@pytest.mark.parametrize("cls, cell", [(SimpleRNN, "simple_rnn"), (LSTM, "lstm"), (GRU, "gru"),
                                       (lambda u, **k: GRU(u, reset_after=True, **k), "gru_reset_after")])
def test_layer_matches_reference_with_states_mask_and_backwards(cls, cell):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6, 4))
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1]], bool)
    for gb in (False, True):
        layer = cls(5, return_sequences=True, return_state=True, go_backwards=gb, dtype="float64")
        layer.build((None, 6, 4))
        if cell == "gru_reset_after":
            layer.set_weights(layer.get_weights()[:2] + [rng.standard_normal((2, 15))])
        out = layer(pydl.tensor(x), mask=pydl.tensor(mask))
        w = [np.asarray(t) for t in layer.weights]
        b, rb = (w[2][0], w[2][1]) if cell == "gru_reset_after" else (w[2], None)
        ref = reference(cell, x, w[0], w[1], b, rb, mask=mask, go_backwards=gb)
        np.testing.assert_allclose(np.asarray(out[0]), ref[..., :5], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(np.asarray(out[1]), ref[:, -1, :5], rtol=1e-12, atol=1e-13)
        assert len(out) == (3 if cell == "lstm" else 2)
        if cell == "lstm":
            np.testing.assert_allclose(np.asarray(out[2]), ref[:, -1, 5:], rtol=1e-12)
        last = cls(5, dtype="float64", go_backwards=gb)
        last.build((None, 6, 4))
        last.set_weights(layer.get_weights())
        np.testing.assert_allclose(np.asarray(last(pydl.tensor(x), mask=pydl.tensor(mask))), ref[:, -1, :5],
                                   rtol=1e-12, atol=1e-13)


def test_initial_state_and_dropout_only_in_training():
    layer = LSTM(3, dropout=0.5, recurrent_dropout=0.5, dtype="float64")
    x = pydl.tensor(np.random.default_rng(1).standard_normal((4, 5, 2)))
    h0, c0 = pydl.ones((4, 3), dtype="float64"), pydl.zeros((4, 3), dtype="float64")
    a = np.asarray(layer(x, initial_state=[h0, c0]))
    np.testing.assert_array_equal(a, np.asarray(layer(x, initial_state=[h0, c0], training=False)))
    assert not np.allclose(a, np.asarray(layer(x)))  # h0 matters
    pydl.manual_seed(3)
    t1 = np.asarray(layer(x, training=True))
    pydl.manual_seed(3)
    np.testing.assert_array_equal(t1, np.asarray(layer(x, training=True)))
    assert not np.allclose(t1, np.asarray(layer(x)))


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merges_forward_and_reversed_backward(mode):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 3))
    bi = Bidirectional(LSTM(4, return_sequences=True, dtype="float64"), merge_mode=mode, dtype="float64")
    out = bi(pydl.tensor(x))
    wf, wb = [np.asarray(t) for t in bi.forward_layer.weights], [np.asarray(t) for t in bi.backward_layer.weights]
    f = reference("lstm", x, *wf)[..., :4]
    b = reference("lstm", x, *wb, go_backwards=True)[..., :4][:, ::-1]
    want = {"concat": lambda: np.concatenate([f, b], -1), "sum": lambda: f + b, "mul": lambda: f * b,
            "ave": lambda: (f + b) / 2, None: lambda: [f, b]}[mode]()
    if mode is None:
        for o, w in zip(out, want):
            np.testing.assert_allclose(np.asarray(o), w, rtol=1e-12)
    else:
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-12)
    assert bi.backward_layer.go_backwards and len(bi.weights) == 6
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_time_distributed_dense():
    x = np.random.default_rng(3).standard_normal((2, 4, 3))
    td = TimeDistributed(Dense(5, dtype="float64"), dtype="float64")
    y = td(pydl.tensor(x))
    k, b = (np.asarray(t) for t in td.weights)
    np.testing.assert_allclose(np.asarray(y), x @ k + b, rtol=1e-12)
    assert td.compute_output_shape((None, 4, 3)) == (None, 4, 5)


def test_config_round_trip_and_bad_arguments():
    for layer in [LSTM(7, return_sequences=True, recurrent_activation="hard_sigmoid"), GRU(3, reset_after=True),
                  SimpleRNN(2, activation="relu", go_backwards=True)]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() | {"name": None} == layer.get_config() | {"name": None}
    with pytest.raises(ValueError, match="units must be a positive integer, got 0"):
        LSTM(0)
    with pytest.raises(ValueError, match="activation 'softmax' is not supported"):
        SimpleRNN(3, activation="softmax")
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\), got 1.5"):
        GRU(3, dropout=1.5)
    with pytest.raises(NotImplementedError, match="stateful=True"):
        LSTM(3, stateful=True)
    assert recurrent.LSTM is LSTM and wrappers.Bidirectional is Bidirectional


def test_lstm_learns_sign_of_sum():
    pydl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 12, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    model = Sequential([Input((12, 1)), LSTM(16), Dense(1, activation="sigmoid")])
    model.compile(optimizer=pydl.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    xt = rng.standard_normal((512, 12, 1)).astype(np.float32)
    yt = (xt.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    acc = float(((np.asarray(model.predict(xt, verbose=0)) > 0.5) == yt).mean())
    assert acc > 0.9, acc  # chance is 0.5; 0.93-0.97 over seeds
