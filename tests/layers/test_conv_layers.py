"""Convolution and pooling layers: shapes and parameter counts (Keras's formulas, the book's LeNet and GAN nets),
forward vs NumPy references, float64 gradcheck, config round trip, argument errors."""
import numpy as np
import pytest

import pydl
from pydl import layers as L
from pydl.autograd import gradcheck
from pydl.models import Model, Sequential


def conv2d_ref(x, k, b, stride=1):
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    y = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return y + b


def T(a, grad=False):
    return pydl.tensor(a, dtype="float64", requires_grad=grad)


def test_conv2d_forward_and_gradcheck(rng):
    layer = L.Conv2D(3, (2, 3), strides=1, activation="tanh", dtype="float64")
    x = rng.standard_normal((2, 5, 6, 2))
    y = np.asarray(layer(T(x)))
    k, b = layer.get_weights()
    assert k.shape == (2, 3, 2, 3) and layer.count_params() == 2 * 3 * 2 * 3 + 3
    np.testing.assert_allclose(y, np.tanh(conv2d_ref(x, k, b)), rtol=1e-10, atol=1e-12)
    xt = T(x, True)
    assert gradcheck(lambda t: layer(t), [xt])
    relu = L.Conv2D(2, 3, activation="relu", dtype="float64")
    assert gradcheck(lambda t: relu(t), [T(rng.standard_normal((1, 4, 4, 2)), True)])


def test_conv_output_shapes_match_keras():
    assert L.Conv2D(8, 3, padding="same", strides=2)(L.Input(shape=(28, 28, 1))).shape == (None, 14, 14, 8)
    assert L.Conv2D(8, 5, strides=2)(L.Input(shape=(28, 28, 1))).shape == (None, 12, 12, 8)
    assert L.Conv2D(8, 3, dilation_rate=2)(L.Input(shape=(9, 9, 1))).shape == (None, 5, 5, 8)
    assert L.Conv1D(4, 3)(L.Input(shape=(10, 2))).shape == (None, 8, 4)
    assert L.Conv1D(4, 3, padding="causal")(L.Input(shape=(10, 2))).shape == (None, 10, 4)
    assert L.Conv2DTranspose(4, 5, strides=2, padding="same")(L.Input(shape=(7, 7, 3))).shape == (None, 14, 14, 4)
    assert L.Conv2DTranspose(4, 3, strides=2)(L.Input(shape=(7, 7, 3))).shape == (None, 15, 15, 4)
    assert L.MaxPooling2D()(L.Input(shape=(5, 5, 3))).shape == (None, 2, 2, 3)
    assert L.MaxPooling2D(3, 2, padding="same")(L.Input(shape=(5, 5, 3))).shape == (None, 3, 3, 3)
    assert L.MaxPooling1D(4)(L.Input(shape=(10, 3))).shape == (None, 2, 3)
    assert L.GlobalMaxPooling1D()(L.Input(shape=(10, 3))).shape == (None, 3)
    assert L.GlobalAveragePooling2D()(L.Input(shape=(4, 4, 3))).shape == (None, 3)
    assert L.UpSampling2D()(L.Input(shape=(7, 7, 3))).shape == (None, 14, 14, 3)
    assert L.ZeroPadding2D(((1, 2), (0, 3)))(L.Input(shape=(4, 4, 3))).shape == (None, 7, 7, 3)
    for layer, shape in [(L.Conv2D(8, 3, padding="same", strides=2), (2, 28, 28, 1)),
                         (L.Conv2DTranspose(4, 3, strides=2), (2, 7, 7, 3)),
                         (L.MaxPooling2D(3, 2, padding="same"), (2, 5, 5, 3)), (L.Conv1D(4, 3, padding="causal"),
                                                                                 (2, 10, 2))]:
        y = layer(np.zeros(shape, "float32"))
        assert tuple(y.shape) == (2,) + layer.compute_output_shape((None,) + shape[1:])[1:]


def test_pooling_and_resampling_values(rng):
    x = rng.standard_normal((2, 4, 6, 3))
    mp = np.asarray(L.MaxPooling2D(dtype="float64")(T(x)))
    np.testing.assert_allclose(mp, x.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)))
    ap = np.asarray(L.AveragePooling2D(dtype="float64")(T(x)))
    np.testing.assert_allclose(ap, x.reshape(2, 2, 2, 3, 2, 3).mean(axis=(2, 4)))
    np.testing.assert_allclose(np.asarray(L.GlobalMaxPooling1D(dtype="float64")(T(x[:, 0]))), x[:, 0].max(1))
    up = np.asarray(L.UpSampling2D((2, 3), dtype="float64")(T(x)))
    np.testing.assert_array_equal(up, x.repeat(2, 1).repeat(3, 2))
    zp = np.asarray(L.ZeroPadding2D(1, dtype="float64")(T(x)))
    np.testing.assert_array_equal(zp, np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))
    for layer in (L.MaxPooling2D(dtype="float64"), L.UpSampling2D(dtype="float64"),
                  L.GlobalAveragePooling2D(dtype="float64")):
        assert gradcheck(lambda t, layer=layer: layer(t), [T(rng.standard_normal((1, 4, 4, 2)), True)])


def test_conv_transpose_gradcheck_and_config(rng):
    layer = L.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    x = T(rng.standard_normal((1, 3, 3, 2)), True)
    assert layer(x).shape == (1, 6, 6, 2)
    assert layer.get_weights()[0].shape == (3, 3, 2, 2)
    assert gradcheck(lambda t: layer(t), [x])
    clone = L.Conv2DTranspose.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("make", [lambda: L.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu"),
                                  lambda: L.Conv1D(4, 3, dilation_rate=2), lambda: L.MaxPooling2D(3, 2, "same"),
                                  lambda: L.AveragePooling2D(), lambda: L.GlobalMaxPooling1D(),
                                  lambda: L.UpSampling2D(3), lambda: L.ZeroPadding2D((1, 2))])
def test_config_round_trip(make):
    layer = make()
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="filters must be a positive integer, got 0"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"kernel_size must be a positive integer or a tuple of 2"):
        L.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="padding must be one of"):
        L.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="channels_last"):
        L.Conv2D(4, 3, data_format="channels_first")
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3. Full shape received: \(None, 28, 28\)"):
        L.Conv2D(4, 3)(L.Input(shape=(28, 28)))
    with pytest.raises(ValueError, match="Unknown activation function 'rleu'"):
        L.Conv1D(4, 3, activation="rleu")


def test_book_gan_parameter_counts():
    pydl.utils.clear_session()
    d_in = L.Input(shape=(28, 28, 1))
    h = d_in
    for depth, stride in ((64, 2), (128, 2), (256, 2), (512, 1)):
        h = L.Dropout(0.4)(L.Conv2D(depth, 5, strides=stride, padding="same", activation="relu")(h))
    discriminator = Model(d_in, L.Dense(1, activation="sigmoid")(L.Flatten()(h)))
    assert discriminator.count_params() == 4311553

    z = L.Input(shape=(32,))
    g = L.Activation("relu")(L.BatchNormalization(momentum=0.9)(L.Dense(7 * 7 * 64)(z)))
    g = L.Dropout(0.4)(L.Reshape((7, 7, 64))(g))
    g = L.UpSampling2D()(g)
    g = L.Activation("relu")(L.BatchNormalization(momentum=0.9)(L.Conv2DTranspose(32, 5, padding="same")(g)))
    g = L.UpSampling2D()(g)
    g = L.Activation("relu")(L.BatchNormalization(momentum=0.9)(L.Conv2DTranspose(16, 5, padding="same")(g)))
    g = L.Activation("relu")(L.BatchNormalization(momentum=0.9)(L.Conv2DTranspose(8, 5, padding="same")(g)))
    out = L.Conv2D(1, 5, padding="same", activation="sigmoid")(g)
    generator = Model(z, out)
    assert generator.count_params() == 183713
    assert sum(w.size for w in generator.trainable_weights) == 177329
    assert generator.output_shape == (None, 28, 28, 1)
    noise = np.random.default_rng(0).uniform(-1, 1, (2, 32)).astype("float32")
    assert generator.predict(noise).shape == (2, 28, 28, 1)


def test_small_convnet_trains_on_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    idx = np.random.RandomState(0).permutation(len(d.data))
    x = (d.data[idx] / 16.0).reshape(-1, 8, 8, 1).astype("float32")
    y = d.target[idx]
    pydl.utils.set_random_seed(0)
    m = Sequential([L.Conv2D(16, 3, activation="relu", input_shape=(8, 8, 1)), L.MaxPooling2D(),
                    L.Flatten(), L.Dense(10, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(x[:1400], y[:1400], epochs=10, batch_size=32, verbose=0, validation_data=(x[1400:], y[1400:]))
    assert h.history["val_accuracy"][-1] > 0.85
