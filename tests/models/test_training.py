"""compile / fit / evaluate / predict behaviour (Keras 2), on small data."""
import time

import numpy as np
import pytest

import pydl
from pydl.layers import BatchNormalization, Dense, Dropout, Input
from pydl.models import Model, Sequential
from pydl.optimizers import SGD, Adam
from pydl.utils import to_categorical


def intermediate(n_in=64):
    return Sequential([Dense(64, activation="relu", input_shape=(n_in,)), Dense(64, activation="relu"),
                       Dense(10, activation="softmax")])


def test_intermediate_net_on_digits_reaches_95_percent(digits):
    xt, yt, xv, yv = digits
    pydl.utils.set_random_seed(1)
    m = intermediate()
    m.compile(loss="categorical_crossentropy", optimizer=SGD(lr=0.1), metrics=["accuracy"])
    start = time.time()
    h = m.fit(xt, to_categorical(yt, 10), batch_size=128, epochs=40, verbose=0,
              validation_data=(xv, to_categorical(yv, 10)))
    assert time.time() - start < 10
    assert max(h.history["val_accuracy"][-5:]) >= 0.95
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert len(h.history["val_loss"]) == 40 and h.epoch == list(range(40))


def test_deep_net_with_batchnorm_and_dropout_trains(digits):
    xt, yt, xv, yv = digits
    pydl.utils.set_random_seed(2)
    m = Sequential()
    for i in range(3):
        m.add(Dense(64, activation="relu", **({"input_shape": (64,)} if i == 0 else {})))
        m.add(BatchNormalization())
    m.add(Dropout(0.2))
    m.add(Dense(10, activation="softmax"))
    m.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["acc"])
    h = m.fit(xt, yt, batch_size=128, epochs=20, verbose=0, validation_data=(xv, yv))
    # validation uses the moving statistics (momentum 0.99 over 11 batches an epoch), so it trails training
    assert h.history["acc"][-1] >= 0.97 and h.history["val_acc"][-1] >= 0.85
    bn = m.layers[1]
    assert np.any(bn.get_weights()[2] != 0)  # the moving mean moved


def test_fused_softmax_loss_equals_unfused(digits):
    xt, yt, _, _ = digits
    y = to_categorical(yt[:64], 10)
    pydl.utils.set_random_seed(3)
    m = intermediate()
    m.compile(loss="categorical_crossentropy", optimizer=SGD(lr=0.0), metrics=["accuracy", "mse"])
    fused = m.test_on_batch(xt[:64], y)
    m._use_fused = False
    plain = m.test_on_batch(xt[:64], y)
    np.testing.assert_allclose(fused, plain, rtol=1e-5)
    assert m.metrics_names == ["loss", "accuracy", "mse"]


def test_train_on_batch_updates_and_matches_manual_sgd():
    pydl.utils.set_random_seed(4)
    m = Sequential([Dense(1, input_dim=2)])
    m.compile(SGD(lr=0.1), "mse")
    k0, b0 = m.get_weights()
    x = np.array([[1.0, 2.0], [3.0, -1.0]], "float32")
    y = np.array([[1.0], [0.0]], "float32")
    loss = m.train_on_batch(x, y)
    pred = x @ k0 + b0
    assert loss == pytest.approx(float(((pred - y) ** 2).mean()), rel=1e-6)
    grad_k = 2 * x.T @ (pred - y) / 2
    np.testing.assert_allclose(m.get_weights()[0], k0 - 0.1 * grad_k, rtol=1e-5)
    assert m.test_on_batch(x, y) < loss
    assert m.predict_on_batch(x).shape == (2, 1)


def test_validation_split_sample_and_class_weight():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    m = Sequential([Dense(1, activation="sigmoid", input_dim=3)])
    m.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=2, batch_size=10, validation_split=0.2, verbose=0, shuffle=False)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # Keras: sample-weighted loss = mean(w * l) / mean(w != 0)
    w = np.where(np.arange(100) % 2 == 0, 2.0, 0.0)
    per = np.asarray(pydl.losses.binary_crossentropy(pydl.tensor(y), pydl.tensor(m.predict(x)))).astype(np.float64)
    got = m.evaluate(x, y, sample_weight=w, verbose=0, batch_size=100)[0]
    assert got == pytest.approx((per * w).mean() / 0.5, rel=1e-5)
    cw_model = Sequential([Dense(1, activation="sigmoid", input_dim=3)])
    cw_model.compile(SGD(lr=0.0), "binary_crossentropy")
    cw_model.set_weights(m.get_weights())
    loss_cw = cw_model.train_on_batch(x, y, class_weight={0: 1.0, 1: 0.0})
    keep = y[:, 0] == 0
    assert loss_cw == pytest.approx(per[keep].sum() / 100 / keep.mean(), rel=1e-5)
    with pytest.raises(ValueError, match="class_weight must contain all classes"):
        cw_model.train_on_batch(x, y, class_weight={0: 1.0})


def test_fit_initial_epoch_shuffle_and_lazy_build(capsys):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((40, 5)).astype("float32"), rng.standard_normal((40, 2)).astype("float32")
    m = Sequential([Dense(4, activation="tanh"), Dense(2)])  # no input shape: built by fit
    m.compile(Adam(lr=0.01), "mse", metrics=["mae"])
    h = m.fit(x, y, epochs=5, initial_epoch=3, batch_size=8, verbose=2)
    assert h.epoch == [3, 4]
    out = capsys.readouterr().out
    assert "Epoch 4/5" in out and "Epoch 5/5" in out and " - loss: " in out and " - mae: " in out
    assert m.layers[0].get_weights()[0].shape == (5, 4)
    m.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_progress_bar_plain(monkeypatch, capsys):
    monkeypatch.setenv("PYDL_PROGRESS", "plain")
    x, y = np.zeros((64, 2), "float32"), np.zeros((64, 1), "float32")
    m = Sequential([Dense(1, input_dim=2)])
    m.compile("sgd", "mse")
    m.fit(x, y, epochs=1, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "64/64 [==============================]" in out and "loss: 0.0000" in out


def test_progress_bar_tqdm(capsys):
    pytest.importorskip("tqdm")
    x, y = np.zeros((64, 2), "float32"), np.zeros((64, 1), "float32")
    m = Sequential([Dense(1, input_dim=2)])
    m.compile("sgd", "mse")
    m.fit(x, y, epochs=1, batch_size=16, verbose=1)
    err = capsys.readouterr()
    assert "64/64" in err.out + err.err and "loss: 0.0000" in err.out + err.err


def test_predict_batches_and_proba():
    rng = np.random.default_rng(2)
    m = Sequential([Dense(3, activation="softmax", input_dim=4)])
    x = rng.standard_normal((70, 4)).astype("float32")
    p = m.predict(x, batch_size=32)
    assert p.shape == (70, 3) and isinstance(p, np.ndarray)
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-5)
    np.testing.assert_array_equal(m.predict_proba(x), p)
    np.testing.assert_array_equal(m.predict_classes(x), p.argmax(1))
    np.testing.assert_allclose(m.predict(x, batch_size=7), p, rtol=1e-6)


def test_errors_name_shapes():
    m = Sequential([Dense(2, input_dim=4)])
    with pytest.raises(RuntimeError, match="must compile your model"):
        m.fit(np.zeros((2, 4)), np.zeros((2, 2)))
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"expected dense_\d+_input to have shape \(4,\) but got array with shape "
                                         r"\(5,\)"):
        m.fit(np.zeros((2, 5)), np.zeros((2, 2)), verbose=0)
    with pytest.raises(ValueError, match="Found 2 input samples and 3 target samples"):
        m.fit(np.zeros((2, 4)), np.zeros((3, 2)), verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        m.fit(np.zeros((2, 4)), np.zeros((2, 2)), batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="a loss is required"):
        m.compile("sgd")


def test_training_is_reproducible_with_seed(digits):
    xt, yt, _, _ = digits

    def run():
        pydl.utils.set_random_seed(9)
        m = Sequential([Dense(16, activation="relu", input_shape=(64,)), Dropout(0.3),
                        Dense(10, activation="softmax")])
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(xt[:256], yt[:256], epochs=2, batch_size=32, verbose=0)
        return m.get_weights()
    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_regularization_adds_to_loss():
    m = Sequential([Dense(1, input_dim=2, kernel_regularizer=pydl.regularizers.l2(0.5), use_bias=False)])
    m.compile(SGD(lr=0.0), "mse")
    m.set_weights([np.array([[1.0], [2.0]])])
    x, y = np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")
    assert m.evaluate(x, y, verbose=0) == pytest.approx(0.5 * 5)


def test_frozen_discriminator_gan_pattern():
    """Keras's GAN recipe: the discriminator is compiled while trainable, then frozen before the adversarial model
    is compiled; each model then trains exactly the weights it had at its own compile."""
    pydl.utils.set_random_seed(5)
    d_in = Input(shape=(4,))
    discriminator = Model(d_in, Dense(1, activation="sigmoid")(Dense(8, activation="relu")(d_in)))
    discriminator.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    z = Input(shape=(2,))
    generator = Sequential([Dense(8, activation="relu", input_dim=2), BatchNormalization(momentum=0.9),
                            Dense(4, activation="tanh")])
    discriminator.trainable = False
    adversarial = Model(z, discriminator(generator(z)))
    adversarial.compile("rmsprop", "binary_crossentropy")
    out = []
    adversarial.summary(print_fn=out.append)
    g_trainable = sum(w.size for w in generator.trainable_weights)
    assert f"Trainable params: {g_trainable:,}" in out

    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, (16, 2)).astype("float32")
    d_before = discriminator.get_weights()
    g_before = generator.get_weights()
    adversarial.train_on_batch(noise, np.ones((16, 1)))
    for a, b in zip(d_before, discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(np.any(a != b) for a, b in zip(g_before, generator.get_weights()))
    real = rng.standard_normal((16, 4)).astype("float32")
    discriminator.train_on_batch(np.concatenate([real, generator.predict(noise)]),
                                 np.concatenate([np.ones((16, 1)), np.zeros((16, 1))]))
    assert any(np.any(a != b) for a, b in zip(d_before, discriminator.get_weights()))
    g_now = generator.get_weights()
    d_now = discriminator.get_weights()
    adversarial.train_on_batch(noise, np.ones((16, 1)))
    for a, b in zip(d_now, discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(np.any(a != b) for a, b in zip(g_now, generator.get_weights()))
