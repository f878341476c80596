"""summary() text and parameter counts for the book's chapter 5, 8 and 9 networks (Keras's numbers)."""
import pytest

import pydl
from pydl.layers import BatchNormalization, Dense, Dropout, Input, concatenate
from pydl.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    pydl.utils.clear_session()


def lines(model):
    out = []
    model.summary(print_fn=out.append)
    return out


def shallow():
    m = Sequential()
    m.add(Dense(64, activation="sigmoid", input_shape=(784,)))
    m.add(Dense(10, activation="softmax"))
    return m


def deep():
    m = Sequential()
    for i in range(3):
        m.add(Dense(64, activation="relu", **({"input_shape": (784,)} if i == 0 else {})))
        m.add(BatchNormalization())
    m.add(Dropout(0.2))
    m.add(Dense(10, activation="softmax"))
    return m


def test_shallow_net_summary_text():
    assert lines(shallow()) == [
        'Model: "sequential_1"',
        "_________________________________________________________________",
        "Layer (type)                 Output Shape              Param #   ",
        "=================================================================",
        "dense_1 (Dense)              (None, 64)                50240     ",
        "_________________________________________________________________",
        "dense_2 (Dense)              (None, 10)                650       ",
        "=================================================================",
        "Total params: 50,890",
        "Trainable params: 50,890",
        "Non-trainable params: 0",
        "_________________________________________________________________",
    ]


def test_intermediate_net():
    m = Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(64, activation="relu"),
                    Dense(10, activation="softmax")])
    assert m.count_params() == 55050
    assert "Total params: 55,050" in lines(m)


def test_deep_net_with_batchnorm():
    out = lines(deep())
    assert "Total params: 59,978" in out
    assert "Trainable params: 59,594" in out
    assert "Non-trainable params: 384" in out
    assert "batch_normalization_1 (Batch (None, 64)                256       " in out
    assert "dropout_1 (Dropout)          (None, 64)                0         " in out


def test_regression_net():
    m = Sequential()
    m.add(Dense(32, input_dim=13, activation="relu"))
    m.add(BatchNormalization())
    m.add(Dense(16, activation="relu"))
    m.add(BatchNormalization())
    m.add(Dropout(0.2))
    m.add(Dense(1, activation="linear"))
    out = lines(m)
    assert out[-4:-1] == ["Total params: 1,185", "Trainable params: 1,089", "Non-trainable params: 96"]


def test_functional_summary_connections():
    x = Input(shape=(8,))
    a, b = Dense(4)(x), Dense(4)(x)
    m = Model(x, Dense(1)(concatenate([a, b])))
    out = lines(m)
    assert out[2] == ("Layer (type)                    Output Shape         Param #     Connected to"
                      "                     ")
    assert out[4].startswith("input_1 (InputLayer)            (None, 8)            0 ")
    assert "concatenate_1 (Concatenate)     (None, 8)            0           dense_1[0][0]" in out[10]
    assert out[11].strip() == "dense_2[0][0]"
    assert "Total params: 81" in out


def test_unbuilt_sequential():
    m = Sequential([Dense(3), Dense(2)])
    with pytest.raises(ValueError, match="has not yet been built"):
        m.summary()
    m.build((None, 5))
    assert m.count_params() == 5 * 3 + 3 + 3 * 2 + 2
