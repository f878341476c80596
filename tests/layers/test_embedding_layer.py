"""pydl.layers.Embedding and Masking (Keras 2): the book's chapter-11 parameter counts, integer inputs end to end,
masks passed to call(mask=) by the graph engine, config round trip, and a small model that learns."""
import numpy as np
import pytest

import pydl
from pydl.layers import (Conv1D, Dense, Dropout, Embedding, Flatten, GlobalMaxPooling1D, Input, Layer, Masking,
                         SpatialDropout1D, concatenate)
from pydl.models import Model, Sequential


def dense_model(n_words=5000, dim=64, length=100):
    return Sequential([Embedding(n_words, dim, input_length=length), Flatten(), Dense(64, activation="relu"),
                       Dropout(0.5), Dense(1, activation="sigmoid")])


def test_book_dense_model_has_729729_params():
    m = dense_model()
    assert m.count_params() == 729_729
    assert m.layers[0].output_shape == (None, 100, 64)
    assert m.layers[1].output_shape == (None, 6400)


def test_book_conv_model_has_435457_params():
    m = Sequential([Embedding(5000, 64, input_length=400), SpatialDropout1D(0.2), Conv1D(256, 3, activation="relu"),
                    GlobalMaxPooling1D(), Dense(256, activation="relu"), Dropout(0.2),
                    Dense(1, activation="sigmoid")])
    assert m.count_params() == 435_457


def test_book_multi_convnet_has_681601_params_and_trains_on_int16_input():
    inp = Input(shape=(400,), dtype="int16", name="input")
    emb = SpatialDropout1D(0.2)(Embedding(5000, 64, name="embedding")(inp))
    branches = [GlobalMaxPooling1D()(Conv1D(256, k, activation="relu")(emb)) for k in (2, 3, 4)]
    x = Dropout(0.2)(Dense(256, activation="relu")(concatenate(branches)))
    x = Dropout(0.2)(Dense(64, activation="relu")(x))
    model = Model(inp, Dense(1, activation="sigmoid")(x))
    assert model.count_params() == 681_601
    assert inp.dtype == "int16"
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).integers(0, 5000, size=(8, 400)).astype(np.int16)
    model.fit(x, np.arange(8) % 2, epochs=1, batch_size=4, verbose=0)
    assert model.predict(x).shape == (8, 1)


def test_embedding_defaults_follow_keras2():
    layer = Embedding(10, 3)
    assert isinstance(layer.embeddings_initializer, pydl.initializers.RandomUniform)
    assert (layer.embeddings_initializer.minval, layer.embeddings_initializer.maxval) == (-0.05, 0.05)
    assert layer.compute_output_shape((None, 7)) == (None, 7, 3)
    out = layer(np.array([[1, 2, 9]]))
    w = np.asarray(layer.embeddings)
    assert w.shape == (10, 3) and np.all(np.abs(w) <= 0.05) and w.std() > 0.01
    np.testing.assert_array_equal(np.asarray(out), w[[[1, 2, 9]]])
    assert pydl.layers.embeddings.Embedding is Embedding


@pytest.mark.parametrize("bad", [dict(input_dim=0, output_dim=3), dict(input_dim=5, output_dim=-1),
                                 dict(input_dim=5, output_dim=2, input_length=0)])
def test_bad_config(bad):
    with pytest.raises(ValueError, match="input_dim|output_dim|input_length"):
        Embedding(**bad)


def test_input_length_mismatch_is_named():
    with pytest.raises(ValueError, match="input_length"):
        Embedding(5, 2, input_length=4)(Input(shape=(3,), dtype="int32"))


def test_out_of_range_ids_raise_index_error_through_predict():
    m = dense_model(n_words=50, dim=4, length=6)
    x = np.zeros((2, 6), dtype=np.int32)
    x[1, 3] = 50
    with pytest.raises(IndexError, match=r"id 50\b.*input_dim 50"):
        m.predict(x)


def test_fractional_float_ids_are_refused_whole_floats_accepted():
    m = dense_model(n_words=50, dim=4, length=3)
    m.compile("sgd", "binary_crossentropy")
    assert m.predict(np.array([[1.0, 2.0, 3.0]])).shape == (1, 1)
    with pytest.raises(TypeError, match="non-integer"):
        m.predict(np.array([[1.5, 2.0, 3.0]]))
    with pytest.raises(TypeError, match="non-integer"):
        m.layers[0](np.array([[0.5]]))


def test_int_data_outside_the_declared_input_dtype_is_refused():
    inp = Input(shape=(2,), dtype="int8")
    model = Model(inp, Flatten()(Embedding(300, 2)(inp)))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="int8.*200"):
        model.predict(np.array([[200, 1]]))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_integer_input_dtypes_are_accepted(dtype):
    inp = Input(shape=(3,), dtype=dtype)
    assert inp.dtype == dtype and inp._keras_history[0].get_config()["dtype"] == dtype
    model = Model(inp, Embedding(100, 2)(inp))
    out = model.predict(np.array([[1, 2, 99]], dtype=dtype))
    np.testing.assert_array_equal(out, np.asarray(model.layers[1].embeddings)[[[1, 2, 99]]])


def test_input_rejects_other_dtypes():
    with pytest.raises(ValueError, match="complex64"):
        Input(shape=(3,), dtype="complex64")


def test_sequential_builds_from_int_data_without_float_round_trip():
    emb = Embedding(2**24 + 2, 1, input_length=1, embeddings_initializer="zeros")
    model = Sequential([emb, Flatten()])  # ids above 2**24 are not exact in float32
    assert model.inputs[0].dtype == "int32"
    with pydl.no_grad():
        emb.embeddings[2**24 + 1, 0] = 7.0
    assert model.predict(np.array([[2**24 + 1]]))[0, 0] == 7.0
    lazy = Sequential([Embedding(10, 2, input_shape=None)])  # no input shape: built from the data
    assert not lazy.built
    assert lazy.predict(np.array([[1, 2]], dtype=np.int64)).shape == (1, 2, 2)
    assert lazy.inputs[0].dtype == "int32"


def test_compute_mask_and_masks_reach_call():
    received = []

    class Probe(Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            received.append(None if mask is None else np.asarray(mask).copy())
            return inputs

    emb = Embedding(10, 2, mask_zero=True)
    ids = np.array([[3, 0, 5], [0, 0, 1]])
    np.testing.assert_array_equal(np.asarray(emb.compute_mask(ids)), ids != 0)
    assert Embedding(10, 2).compute_mask(ids) is None
    inp = Input(shape=(3,), dtype="int32")
    model = Model(inp, Probe()(Dropout(0.1)(emb(inp))))
    model.predict(ids)
    np.testing.assert_array_equal(received[-1], ids != 0)  # Dropout passes the mask on (Keras 2)
    model = Model(inp, Probe()(Flatten()(emb(inp))))
    model.predict(ids)
    assert received[-1] is None  # Flatten does not support masking: the mask ends there
    model = Model(inp, Probe()(Probe()(emb(inp))))
    model.predict(ids)
    np.testing.assert_array_equal(received[-2], ids != 0)
    np.testing.assert_array_equal(received[-1], ids != 0)  # passed through a layer that supports masking


def test_masking_layer():
    x = np.array([[[1.0, 0.0], [0.0, 0.0], [0.0, 2.0]]], dtype=np.float32)
    layer = Masking(0.0)
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(pydl.tensor(x))), [[True, False, True]])
    np.testing.assert_array_equal(np.asarray(Masking(1.0)(x)), x * np.array([[[1], [1], [1]]]))
    x[0, 0] = 5.0
    np.testing.assert_array_equal(np.asarray(Masking(5.0)(x)), [[[0, 0], [0, 0], [0, 2]]])
    assert Masking.from_config(Masking(2.5).get_config()).mask_value == 2.5


def test_config_round_trip_and_saved_model(tmp_path):
    m = dense_model(n_words=20, dim=3, length=4)
    m.compile("sgd", "binary_crossentropy")
    cfg = m.layers[0].get_config()
    assert (cfg["input_dim"], cfg["output_dim"], cfg["input_length"], cfg["mask_zero"]) == (20, 3, 4, False)
    clone = Embedding.from_config(cfg)
    assert clone.compute_output_shape((None, 4)) == (None, 4, 3)
    x = np.random.default_rng(1).integers(0, 20, size=(5, 4))
    path = str(tmp_path / "m.keras")
    m.save(path)
    loaded = pydl.models.load_model(path)
    assert loaded.inputs[0].dtype == "int32"
    np.testing.assert_allclose(loaded.predict(x), m.predict(x), rtol=1e-6)


def test_book_dense_model_learns_a_token_rule():
    pydl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 200, size=(1200, 20)).astype(np.int32)
    y = rng.integers(0, 2, size=1200)
    for row, label in zip(x, y):  # label = whether token 7 appears
        row[row == 7] = 8
        if label:
            row[rng.integers(0, 20)] = 7
    model = dense_model(n_words=200, dim=16, length=20)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], epochs=6, batch_size=32, verbose=0)
    loss, acc = model.evaluate(x[1000:], y[1000:], verbose=0)
    assert acc > 0.9, (loss, acc)
