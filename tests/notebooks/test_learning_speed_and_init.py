"""The Keras calls of the book's chapter 9 notebooks, written in our own words: a callback that reads each hidden
layer's weights per epoch and the learning rate through `K` (measuring speed of learning), and Dense layers with
different kernel initializers feeding a sigmoid (weight initialization)."""
import numpy as np
import pytest

import pydl
from pydl import backend as K
from pydl.callbacks import Callback
from pydl.initializers import Zeros, RandomNormal, glorot_normal, glorot_uniform
from pydl.layers import Activation, Dense


class WeightSteps(Callback):
    """Per epoch, the norm of each hidden layer's kernel change divided by the learning rate."""

    def on_train_begin(self, logs=None):
        self.hidden = [l for l in self.model.layers if l.name.startswith("hidden_")]
        self.previous = [l.get_weights()[0] for l in self.hidden]
        self.norms = {l.name: [] for l in self.hidden}

    def on_epoch_end(self, epoch, logs=None):
        lr = float(K.get_value(self.model.optimizer.lr))
        current = [l.get_weights()[0] for l in self.hidden]
        for layer, before, after in zip(self.hidden, self.previous, current):
            self.norms[layer.name].append(float(np.linalg.norm(before - after)) / lr)
        self.previous = current


@pytest.fixture(scope="module")
def digits():
    sklearn = pytest.importorskip("sklearn.datasets")
    x, y = sklearn.load_digits(return_X_y=True)
    return (x[:300] / 16).astype("float32"), pydl.utils.to_categorical(y[:300], 10)


def test_deep_sigmoid_layers_learn_slower_the_further_from_the_output(digits):
    x, y = digits
    pydl.utils.set_random_seed(0)
    model = pydl.Sequential([Dense(30, activation="sigmoid", input_shape=(64,), name="input")]
                            + [Dense(30, activation="sigmoid", name=f"hidden_{i}") for i in range(4)]
                            + [Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    steps = WeightSteps()
    model.fit(x, y, batch_size=1, epochs=2, verbose=0, callbacks=[steps])
    first = [steps.norms[f"hidden_{i}"][-1] for i in range(4)]
    assert all(v > 0 for v in first)
    assert first[0] < first[-1] / 2  # vanishing gradients: the earliest hidden layer moves least


@pytest.mark.parametrize("init,expect_std", [
    (Zeros(), 0.0), (RandomNormal(stddev=1.0, seed=1), 1.0),
    (glorot_normal(seed=1), np.sqrt(2 / (784 + 256))), (glorot_uniform(seed=1), np.sqrt(2 / (784 + 256)))])
def test_initializers_set_the_spread_of_sigmoid_activations(init, expect_std):
    model = pydl.Sequential([Dense(256, input_dim=784, kernel_initializer=init, bias_initializer="zeros"),
                             Activation("sigmoid")])
    kernel = model.layers[0].get_weights()[0]
    assert kernel.std() == pytest.approx(expect_std, rel=0.05, abs=1e-12)
    x = np.random.default_rng(0).random((1, 784)).astype("float32")  # one random input, as the notebook draws
    a = model.predict(x, verbose=0)[0]
    hidden = K.function([model.input], [model.layers[0].output])([x])[0][0]
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-hidden)), rtol=1e-5)
    saturated = np.mean((a < 0.02) | (a > 0.98))
    if expect_std == 0:
        assert np.all(a == 0.5)
    elif expect_std == 1.0:
        assert saturated > 0.5   # unit-variance weights over 784 inputs push most sigmoids to 0 or 1
    else:
        assert saturated < 0.05  # Glorot keeps them in the responsive range
