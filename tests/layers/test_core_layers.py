"""Per layer: output shape, parameter count (Keras's formula), forward vs NumPy, float64 gradcheck through the
layer, get_config round trip, and the errors for bad arguments and inputs of the wrong shape."""
import numpy as np
import pytest

import pydl
from pydl import layers as L
from pydl.autograd import gradcheck


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def run(layer, x, training=None):
    return np.asarray(layer(pydl.tensor(x, dtype=layer.dtype), training=training))


# (factory, input shape (with batch), expected output shape, expected params, numpy reference of the forward pass)
def dense_ref(layer, x):
    k, b = layer.get_weights()
    return np.tanh(x @ k + b)


def bn_ref(layer, x):
    g, b, mm, mv = layer.get_weights()
    return (x - mm) / np.sqrt(mv + layer.epsilon) * g + b


CASES = [
    ("dense", lambda: L.Dense(5, activation="tanh", dtype="float64"), (3, 4), (3, 5), 4 * 5 + 5, dense_ref),
    ("dense_3d", lambda: L.Dense(2, activation="tanh", dtype="float64"), (2, 3, 4), (2, 3, 2), 10, dense_ref),
    ("activation", lambda: L.Activation("sigmoid", dtype="float64"), (3, 4), (3, 4), 0,
     lambda l, x: np_sigmoid(x)),
    ("softmax_act", lambda: L.Activation("softmax", dtype="float64"), (3, 4), (3, 4), 0,
     lambda l, x: np_softmax(x)),
    ("leaky_relu", lambda: L.LeakyReLU(0.1, dtype="float64"), (3, 4), (3, 4), 0,
     lambda l, x: np.where(x > 0, x, 0.1 * x)),
    ("flatten", lambda: L.Flatten(dtype="float64"), (2, 3, 4), (2, 12), 0, lambda l, x: x.reshape(2, -1)),
    ("reshape", lambda: L.Reshape((4, -1), dtype="float64"), (2, 3, 4), (2, 4, 3), 0,
     lambda l, x: x.reshape(2, 4, 3)),
    ("dropout_infer", lambda: L.Dropout(0.5, dtype="float64"), (3, 4), (3, 4), 0, lambda l, x: x),
    ("batchnorm_infer", lambda: L.BatchNormalization(dtype="float64"), (6, 3), (6, 3), 12, bn_ref),
    ("lambda", lambda: L.Lambda(lambda t: t * 2.0, dtype="float64"), (3, 4), (3, 4), 0, lambda l, x: 2 * x),
]


@pytest.mark.parametrize("name,make,in_shape,out_shape,params,ref", CASES, ids=[c[0] for c in CASES])
def test_forward_shape_params(name, make, in_shape, out_shape, params, ref, rng):
    layer = make()
    x = rng.standard_normal(in_shape)
    y = run(layer, x)
    assert y.shape == out_shape
    assert layer.count_params() == params
    np.testing.assert_allclose(y, ref(layer, x), rtol=1e-10, atol=1e-12)
    sym = L.Input(shape=in_shape[1:], dtype="float64")
    assert make()(sym).shape == (None,) + out_shape[1:]


@pytest.mark.parametrize("name,make,in_shape,out_shape,params,ref",
                         [c for c in CASES if c[0] != "lambda"], ids=[c[0] for c in CASES if c[0] != "lambda"])
def test_gradcheck_through_layer(name, make, in_shape, out_shape, params, ref, rng):
    layer = make()
    x = pydl.tensor(rng.standard_normal(in_shape), dtype="float64", requires_grad=True)
    layer(x)  # build
    assert gradcheck(lambda t: layer(t), [x])
    for w in layer.trainable_weights:  # and through the weights
        w.grad = None
        assert gradcheck(lambda t, w=w: layer(x.detach()), [w])


def test_batchnorm_training_gradcheck(rng):
    layer = L.BatchNormalization(dtype="float64")
    x = pydl.tensor(rng.standard_normal((5, 3)), dtype="float64", requires_grad=True)
    layer(x)
    layer.trainable = False  # keep the moving statistics fixed while finite differences re-run the layer
    assert gradcheck(lambda t: layer(t, training=True), [x])


@pytest.mark.parametrize("name,make,in_shape,out_shape,params,ref",
                         [c for c in CASES if c[0] != "lambda"], ids=[c[0] for c in CASES if c[0] != "lambda"])
def test_config_round_trip(name, make, in_shape, out_shape, params, ref, rng):
    layer = make()
    x = rng.standard_normal(in_shape)
    y = run(layer, x)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone(pydl.tensor(x, dtype="float64"))
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(run(clone, x), y)


def test_dense_errors():
    with pytest.raises(ValueError, match="units must be a positive integer, got 0"):
        L.Dense(0)
    with pytest.raises(ValueError, match="units must be a positive integer, got -3"):
        L.Dense(-3)
    with pytest.raises(ValueError, match=r"Unknown activation function 'relux'. Valid names: .*relu.*sigmoid"):
        L.Dense(3, activation="relux")
    with pytest.raises(TypeError, match="not understood: unitz"):
        L.Dense(3, unitz=4)
    d = L.Dense(3)
    d(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4 but received input "
                                         r"with shape \(2, 5\)"):
        d(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match=r"expected min_ndim=2, found ndim=1. Full shape received: \(4,\)"):
        L.Dense(3)(np.zeros(4, "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4.*\(None, 7\)"):
        d(L.Input(shape=(7,)))


def test_other_argument_errors():
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\), got 1.5"):
        L.Dropout(1.5)
    with pytest.raises(ValueError, match="momentum must be in"):
        L.BatchNormalization(momentum=2)
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"cannot reshape an input of shape \(3, 4\)"):
        L.Reshape((5,))(L.Input(shape=(3, 4)))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        L.SpatialDropout1D(0.2)(L.Input(shape=(4,)))
    with pytest.raises(ValueError, match="LeakyReLU: alpha must be >= 0"):
        L.LeakyReLU(-1)


def test_auto_names_unique():
    names = {L.Dense(2).name for _ in range(5)}
    assert len(names) == 5 and all(n.startswith("dense_") for n in names)
    assert L.BatchNormalization().name.startswith("batch_normalization_")


def test_weights_api():
    d = L.Dense(3, input_dim=2)
    d.build((None, 2))
    k, b = d.get_weights()
    assert k.shape == (2, 3) and b.shape == (3,) and np.all(b == 0)
    limit = np.sqrt(6 / (2 + 3))
    assert np.all(np.abs(k) <= limit)  # glorot_uniform
    d.set_weights([np.ones((2, 3)), np.arange(3.0)])
    np.testing.assert_array_equal(d.get_weights()[1], [0, 1, 2])
    with pytest.raises(ValueError, match=r"weight 'dense_\d+/kernel' has shape \(2, 3\), but the provided array has "
                                         r"shape \(3, 2\)"):
        d.set_weights([np.ones((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        d.set_weights([np.ones((2, 3))])
    assert len(d.trainable_weights) == 2 and d.non_trainable_weights == []
    d.trainable = False
    assert d.trainable_weights == [] and len(d.non_trainable_weights) == 2


def test_dropout_training_is_seeded_and_scaled():
    layer = L.Dropout(0.4)
    x = np.ones((200, 50), "float32")
    pydl.manual_seed(7)
    a = run(layer, x, training=True)
    pydl.manual_seed(7)
    b = run(layer, x, training=True)
    np.testing.assert_array_equal(a, b)
    kept = a != 0
    assert abs(kept.mean() - 0.6) < 0.02
    np.testing.assert_allclose(a[kept], 1 / 0.6, rtol=1e-6)


def test_spatial_dropout_drops_whole_channels():
    layer = L.SpatialDropout1D(0.5)
    y = run(layer, np.ones((4, 6, 8), "float32"), training=True)
    per_channel = (y != 0).all(axis=1) | (y == 0).all(axis=1)
    assert per_channel.all()
    assert layer.compute_output_shape((None, 6, 8)) == (None, 6, 8)


def test_batchnorm_training_statistics(rng):
    layer = L.BatchNormalization(momentum=0.9, epsilon=1e-3, dtype="float64")
    x = rng.standard_normal((16, 3)) * 3 + 2
    y = run(layer, x, training=True)
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-10)
    g, b, mm, mv = layer.get_weights()
    n = 16
    np.testing.assert_allclose(mm, 0.1 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * x.var(0) * n / (n - 1.001), rtol=1e-12)
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2


def test_batchnorm_channels_first(rng):
    layer = L.BatchNormalization(axis=1, dtype="float64")
    x = rng.standard_normal((4, 3, 5))
    y = run(layer, x, training=True)
    mean = x.mean(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(x.var(axis=(0, 2), keepdims=True) + 1e-3), rtol=1e-10)
    assert layer.count_params() == 12


def test_lambda_output_shape_and_saving_rule():
    lam = L.Lambda(lambda t: t[:, :2])
    assert lam(L.Input(shape=(5,))).shape == (None, 2)
    with pytest.raises(ValueError, match="anonymous lambda cannot be saved"):
        lam.get_config()


def test_activity_regularizer_contributes():
    d = L.Dense(2, kernel_regularizer=pydl.regularizers.l2(0.5), input_dim=2)
    d.build((None, 2))
    d.set_weights([np.ones((2, 2)), np.zeros(2)])
    (penalty,) = d.losses
    assert float(penalty) == pytest.approx(0.5 * 4)
