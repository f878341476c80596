"""The functional API: branches, shared layers, nested models, multiple inputs/outputs, graph errors."""
import numpy as np
import pytest

import pydl
from pydl.layers import Add, Dense, Input, concatenate
from pydl.models import Model, Sequential


def test_branches_and_layer_order():
    x = Input(shape=(6,), name="x")
    a = Dense(3, name="a")(x)
    b = Dense(3, name="b")(x)
    c = Dense(2, name="c")(concatenate([a, b], name="cat"))
    m = Model(inputs=x, outputs=c)
    assert [l.name for l in m.layers] == ["x", "a", "b", "cat", "c"]
    assert m.get_layer("b") is m.layers[2]
    with pytest.raises(ValueError, match="No such layer: zz"):
        m.get_layer("zz")
    xv = np.random.default_rng(0).standard_normal((4, 6)).astype("float32")
    ka, ba = m.get_layer("a").get_weights()
    kb, bb = m.get_layer("b").get_weights()
    kc, bc = m.get_layer("c").get_weights()
    ref = np.concatenate([xv @ ka + ba, xv @ kb + bb], -1) @ kc + bc
    np.testing.assert_allclose(m.predict(xv), ref, rtol=1e-5, atol=1e-6)


def test_shared_layer_uses_one_set_of_weights():
    shared = Dense(4)
    x1, x2 = Input(shape=(3,)), Input(shape=(3,))
    m = Model([x1, x2], Add()([shared(x1), shared(x2)]))
    assert len(m.trainable_weights) == 2 and m.count_params() == 16
    a, b = np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")
    k, bias = shared.get_weights()
    np.testing.assert_allclose(m.predict([a, b]), a @ k + 2 * bias, rtol=1e-6)
    assert shared.output_shape == (None, 4)


def test_model_called_as_layer_on_new_input():
    inner_in = Input(shape=(5,))
    inner = Model(inner_in, Dense(2, activation="relu")(inner_in), name="inner")
    x = Input(shape=(5,))
    outer = Model(x, Dense(1)(inner(x)))
    assert [type(l).__name__ for l in outer.layers] == ["InputLayer", "Model", "Dense"]
    assert outer.count_params() == 12 + 3
    xv = np.random.default_rng(1).standard_normal((3, 5)).astype("float32")
    h = inner.predict(xv)
    k, b = outer.layers[-1].get_weights()
    np.testing.assert_allclose(outer.predict(xv), h @ k + b, rtol=1e-5, atol=1e-6)
    seq = Sequential([inner, Dense(3)])
    assert seq.predict(xv).shape == (3, 3)


def test_multi_input_multi_output_training():
    a, b = Input(shape=(4,), name="in_a"), Input(shape=(2,), name="in_b")
    h = Dense(8, activation="relu")(concatenate([a, b]))
    out1 = Dense(1, name="reg")(h)
    out2 = Dense(3, activation="softmax", name="cls")(h)
    m = Model([a, b], [out1, out2])
    m.compile("adam", loss={"reg": "mse", "cls": "categorical_crossentropy"}, loss_weights=[1.0, 0.5],
              metrics={"cls": ["accuracy"]})
    rng = np.random.default_rng(0)
    xa, xb = rng.standard_normal((64, 4)), rng.standard_normal((64, 2))
    y1, y2 = rng.standard_normal((64, 1)), np.eye(3)[rng.integers(0, 3, 64)]
    h = m.fit({"in_a": xa, "in_b": xb}, [y1, y2], epochs=2, batch_size=16, verbose=0)
    assert set(h.history) == {"loss", "reg_loss", "cls_loss", "cls_accuracy"}
    loss, l1, l2, acc = m.evaluate([xa, xb], [y1, y2], verbose=0)
    assert loss == pytest.approx(l1 + 0.5 * l2, rel=1e-5)
    p1, p2 = m.predict([xa, xb])
    assert p1.shape == (64, 1) and p2.shape == (64, 3)


def test_graph_errors():
    x = Input(shape=(3,))
    y = Dense(2)(x)
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(Input(shape=(3,)), y)
    with pytest.raises(ValueError, match="must come from pydl.layers.Input"):
        Model(y, Dense(1)(y))
    with pytest.raises(TypeError, match="must be symbolic tensors"):
        Model(x, np.zeros(3))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)


def test_model_eager_call_and_gradients():
    x = Input(shape=(3,), dtype="float64")
    m = Model(x, Dense(2, dtype="float64")(x))
    t = pydl.tensor(np.ones((2, 3)), dtype="float64", requires_grad=True)
    out = m(t)
    assert out.shape == (2, 2)
    assert pydl.autograd.gradcheck(lambda v: m(v), [t])
