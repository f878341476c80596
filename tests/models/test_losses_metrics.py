"""Losses and metrics vs NumPy references (Keras 2 formulas), the fused softmax cross-entropy kernel, and the
resolution of 'accuracy'."""
import numpy as np
import pytest

import pydl
from pydl import losses, metrics
from pydl.autograd import gradcheck


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.fixture
def data(rng):
    y = np.eye(4)[rng.integers(0, 4, 6)]
    p = softmax(rng.standard_normal((6, 4)))
    return y, p


def T(a):
    return pydl.tensor(a, dtype="float64")


def test_regression_losses(rng):
    t, p = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    np.testing.assert_allclose(np.asarray(losses.mse(T(t), T(p))), ((p - t) ** 2).mean(-1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(losses.mae(T(t), T(p))), np.abs(p - t).mean(-1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(losses.logcosh(T(t), T(p))), np.log(np.cosh(p - t)).mean(-1), rtol=1e-9)
    np.testing.assert_allclose(np.asarray(losses.hinge(T(t), T(p))), np.maximum(1 - t * p, 0).mean(-1), rtol=1e-12)


def test_crossentropies(data):
    y, p = data
    ref = -(y * np.log(p)).sum(-1)
    np.testing.assert_allclose(np.asarray(losses.categorical_crossentropy(T(y), T(p))), ref, rtol=1e-6)
    labels = y.argmax(-1)
    np.testing.assert_allclose(np.asarray(losses.sparse_categorical_crossentropy(labels, T(p))), ref, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(losses.sparse_categorical_crossentropy(labels[:, None], T(p))), ref,
                               rtol=1e-6)
    yb, pb = (y[:, :1] > 0).astype(float), p[:, :1]
    refb = -(yb * np.log(pb) + (1 - yb) * np.log(1 - pb)).mean(-1)
    np.testing.assert_allclose(np.asarray(losses.binary_crossentropy(T(yb), T(pb))), refb, rtol=1e-6)


def test_probability_clipping_keeps_loss_finite():
    y = np.array([[1.0, 0.0]])
    p = np.array([[0.0, 1.0]])
    v = float(losses.categorical_crossentropy(T(y), T(p))[0])
    assert v == pytest.approx(-np.log(1e-7), rel=1e-6)
    assert np.isfinite(float(losses.binary_crossentropy(T([[1.0]]), T([[0.0]]))[0]))


def test_fused_softmax_cross_entropy_from_logits(rng):
    z = rng.standard_normal((6, 5)) * 30  # large logits: a naive softmax then log would overflow/underflow
    y = np.eye(5)[rng.integers(0, 5, 6)]
    lse = np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1)) + z.max(-1)
    ref = lse - (y * z).sum(-1)
    np.testing.assert_allclose(np.asarray(losses.categorical_crossentropy(T(y), T(z), from_logits=True)), ref,
                               rtol=1e-12)
    zt = pydl.tensor(z / 30, dtype="float64", requires_grad=True)
    smooth = y * 0.8 + 0.05  # rows that do not sum to one exercise the general gradient softmax*sum(t) - t
    assert gradcheck(lambda a: pydl.nn_ops.softmax_cross_entropy(a, T(smooth)), [zt])
    labels = pydl.tensor(y.argmax(-1))
    assert gradcheck(lambda a: pydl.nn_ops.softmax_cross_entropy(a, labels), [zt])
    z32 = pydl.tensor(z, dtype="float32")
    np.testing.assert_allclose(np.asarray(pydl.nn_ops.softmax_cross_entropy(z32, labels)), ref, rtol=1e-5)


def test_fused_kernel_errors():
    z = pydl.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="label 3 in row 1 is out of range for 3 classes"):
        pydl.nn_ops.softmax_cross_entropy(z, pydl.tensor([0, 3]))
    with pytest.raises(pydl.ShapeError, match=r"targets of shape \(2, 4\) do not match logits of shape \(2, 3\)"):
        pydl.nn_ops.softmax_cross_entropy(z, pydl.tensor(np.zeros((2, 4))))


def test_loss_lookup():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    with pytest.raises(ValueError, match="Unknown loss function 'cross'. Valid names: .*binary_crossentropy"):
        losses.get("cross")
    obj = losses.CategoricalCrossentropy(from_logits=True)
    y, z = np.eye(3)[[0, 2]], np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert float(obj(T(y), T(z))) == pytest.approx(float(losses.categorical_crossentropy(T(y), T(z), True).mean()))


def test_metrics(data):
    y, p = data
    acc = float(metrics.categorical_accuracy(T(y), T(p)).mean())
    assert acc == pytest.approx((y.argmax(-1) == p.argmax(-1)).mean())
    sacc = float(metrics.sparse_categorical_accuracy(y.argmax(-1)[:, None], T(p)).mean())
    assert sacc == pytest.approx(acc)
    yb, pb = np.array([[1.0], [0.0], [1.0]]), np.array([[0.7], [0.2], [0.4]])
    assert float(metrics.binary_accuracy(T(yb), T(pb)).mean()) == pytest.approx(2 / 3)
    top = metrics.top_k_categorical_accuracy(y, T(p), k=4)
    assert float(top.mean()) == 1.0


def test_accuracy_resolution():
    r = metrics.resolve
    assert r("accuracy", losses.get("categorical_crossentropy"), (None, 10))[1] is metrics.categorical_accuracy
    assert r("acc", losses.get("binary_crossentropy"), (None, 3))[1] is metrics.binary_accuracy
    assert r("accuracy", losses.get("mse"), (None, 1))[1] is metrics.binary_accuracy
    assert r("acc", losses.get("sparse_categorical_crossentropy"), (None, 10))[1] is \
        metrics.sparse_categorical_accuracy
    assert r("accuracy", losses.get("mse"), (None, 10))[1] is metrics.categorical_accuracy
    assert r("acc", losses.mse, (None, 10))[0] == "acc"
    assert r("mae", losses.mse, (None, 1)) == ("mae", metrics.mean_absolute_error)
    with pytest.raises(ValueError, match="Unknown metric function 'f2'"):
        r("f2", losses.mse, (None, 1))
