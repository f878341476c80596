"""Merge layers, activations, initializers and regularizers."""
import numpy as np
import pytest

import pydl
from pydl import activations, initializers, layers as L, regularizers
from pydl.autograd import gradcheck


def test_add_and_concatenate(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    ta, tb = pydl.tensor(a), pydl.tensor(b)
    np.testing.assert_allclose(np.asarray(L.Add()([ta, tb])), a + b, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(L.Concatenate()([ta, tb])), np.concatenate([a, b], -1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(L.Concatenate(axis=0)([ta, tb])), np.concatenate([a, b], 0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(L.Average()([ta, tb])), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(L.Maximum()([ta, tb])), np.maximum(a, b), rtol=1e-6)
    x1, x2 = L.Input(shape=(4,)), L.Input(shape=(6,))
    assert L.concatenate([x1, x2]).shape == (None, 10)
    assert L.add([x1, L.Input(shape=(4,))]).shape == (None, 4)


def test_merge_errors():
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        L.concatenate([L.Input(shape=(3, 4)), L.Input(shape=(5, 4))], axis=-1)
    with pytest.raises(ValueError, match="could not be broadcast"):
        L.add([L.Input(shape=(3,)), L.Input(shape=(4,))])
    with pytest.raises(ValueError, match="list of at least 2 inputs"):
        L.Add()(L.Input(shape=(3,)))


def test_merge_gradcheck(rng):
    a = pydl.tensor(rng.standard_normal((2, 3)), dtype="float64", requires_grad=True)
    b = pydl.tensor(rng.standard_normal((2, 3)), dtype="float64", requires_grad=True)
    assert gradcheck(lambda x, y: L.Concatenate(dtype="float64")([x, y]), [a, b])
    assert gradcheck(lambda x, y: L.Add(dtype="float64")([x, y]), [a, b])


@pytest.mark.parametrize("name,ref", [
    ("linear", lambda x: x), ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("tanh", np.tanh),
    ("relu", lambda x: np.maximum(x, 0)), ("elu", lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ("softplus", lambda x: np.log1p(np.exp(x))), ("leaky_relu", lambda x: np.where(x > 0, x, 0.3 * x)),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
])
def test_activations(name, ref, rng):
    x = rng.standard_normal((3, 5))
    np.testing.assert_allclose(np.asarray(activations.get(name)(pydl.tensor(x, dtype="float64"))), ref(x),
                               rtol=1e-7, atol=1e-12)
    assert activations.get(activations.get(name)) is activations.get(name)


def test_unknown_activation_lists_names():
    with pytest.raises(ValueError, match="Valid names: elu, exponential, gelu, hard_sigmoid, leaky_relu, linear"):
        activations.get("swishy")


@pytest.mark.parametrize("name,check", [
    ("zeros", lambda a, fi, fo: np.all(a == 0)),
    ("ones", lambda a, fi, fo: np.all(a == 1)),
    ("glorot_uniform", lambda a, fi, fo: np.abs(a).max() <= np.sqrt(6 / (fi + fo))
     and abs(a.std() - np.sqrt(2 / (fi + fo))) < 0.1 * np.sqrt(2 / (fi + fo))),
    ("glorot_normal", lambda a, fi, fo: abs(a.std() - np.sqrt(2 / (fi + fo))) < 0.1 * np.sqrt(2 / (fi + fo))
     and np.abs(a).max() <= 2 * np.sqrt(2 / (fi + fo)) / 0.8796 + 1e-6),
    ("he_normal", lambda a, fi, fo: abs(a.std() - np.sqrt(2 / fi)) < 0.1 * np.sqrt(2 / fi)),
    ("he_uniform", lambda a, fi, fo: np.abs(a).max() <= np.sqrt(6 / fi)),
    ("lecun_normal", lambda a, fi, fo: abs(a.std() - np.sqrt(1 / fi)) < 0.1 * np.sqrt(1 / fi)),
    ("lecun_uniform", lambda a, fi, fo: np.abs(a).max() <= np.sqrt(3 / fi)),
    ("random_normal", lambda a, fi, fo: abs(a.std() - 0.05) < 0.005),
    ("random_uniform", lambda a, fi, fo: np.abs(a).max() <= 0.05),
    ("truncated_normal", lambda a, fi, fo: np.abs(a).max() <= 0.1 + 1e-7),
    ("orthogonal", lambda a, fi, fo: np.allclose(a.T @ a, np.eye(fo), atol=1e-5)),
])
def test_initializers(name, check):
    fi, fo = 300, 200
    a = np.asarray(initializers.get(name)((fi, fo)))
    assert a.shape == (fi, fo) and a.dtype == np.float32
    assert check(a.astype(np.float64), fi, fo)


def test_initializer_seeds_and_pydl_seed():
    a = np.asarray(initializers.RandomNormal(seed=3)((4, 4)))
    b = np.asarray(initializers.RandomNormal(seed=3)((4, 4)))
    np.testing.assert_array_equal(a, b)
    pydl.manual_seed(11)
    c = np.asarray(initializers.glorot_uniform()((4, 4)))
    pydl.manual_seed(11)
    np.testing.assert_array_equal(c, np.asarray(initializers.glorot_uniform()((4, 4))))
    conv = np.asarray(initializers.VarianceScaling(1.0, "fan_in", "uniform")((3, 3, 8, 16)))
    assert np.abs(conv).max() <= np.sqrt(3 / (3 * 3 * 8))
    cfg = initializers.serialize(initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=1))
    assert initializers.deserialize(cfg).get_config() == cfg["config"]
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        initializers.get("glorot")
    assert isinstance(initializers.get("GlorotUniform"), initializers.VarianceScaling)


def test_regularizers():
    x = pydl.tensor([[1.0, -2.0], [3.0, 0.0]])
    assert float(regularizers.l1(0.1)(x)) == pytest.approx(0.6)
    assert float(regularizers.l2(0.1)(x)) == pytest.approx(1.4)
    assert float(regularizers.l1_l2(0.1, 0.1)(x)) == pytest.approx(2.0)
    cfg = regularizers.serialize(regularizers.l1_l2(0.2, 0.3))
    assert regularizers.deserialize(cfg).get_config() == {"l1": 0.2, "l2": 0.3}
    with pytest.raises(ValueError, match="l1 regularization factor must be >= 0"):
        regularizers.l1(-1)


def test_leaky_relu_defaults_are_documented_and_pinned():
    # The layer and the "leaky_relu" activation share Keras's LeakyReLU default 0.3; the op keeps
    # tf.nn.leaky_relu's 0.2 (see pydl.activations.leaky_relu).
    x = pydl.tensor([-2.0, 3.0], dtype="float64")
    np.testing.assert_allclose(np.asarray(activations.leaky_relu(x)), [-0.6, 3.0])
    np.testing.assert_allclose(np.asarray(activations.get("leaky_relu")(x)), [-0.6, 3.0])
    np.testing.assert_allclose(np.asarray(pydl.layers.LeakyReLU()(x)), [-0.6, 3.0])
    np.testing.assert_allclose(np.asarray(pydl.ops.leaky_relu(x)), [-0.4, 3.0])
