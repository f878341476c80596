"""The GANTrainer and the recipes end to end on a few steps (small batches, so the whole file takes seconds)."""
import argparse
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pydl_gan import models, plots
from pydl_gan.recipes import gan
from pydl_gan.trainer import GANTrainer, wasserstein_loss

from pydl.callbacks import LambdaCallback
from pydl.optimizers import RMSprop


def args(**kw):
    base = dict(steps=2, limit=64, plot_dir=None, every=1, data="mnist", category="apple", digit=None,
                label_smoothing=0.0, label_noise=0.0, wgan=False, epochs=None, batch_size=16, seed=0, plot=None,
                verbose=0, threads=None)
    return argparse.Namespace(**dict(base, **kw))


def test_book_recipe_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path / "cache"))   # the scorer's classifier is trained and cached
    result = gan.make("quickdraw")(args(plot_dir=str(tmp_path / "plots")))
    assert result["params"] == {"generator": 183_713, "discriminator": 4_311_553}
    assert [row[0] for row in result["scores"]] == [0, 1, 2]
    assert all(np.isfinite(v) for row in result["scores"] for v in row)
    assert sorted(result["history"]) == ["a_acc", "a_loss", "d_acc", "d_loss"]
    assert all(len(v) == 2 for v in result["history"].values())
    # the untrained discriminator cannot tell: its loss on the first step is near ln 2
    assert 0.5 < result["history"]["d_loss"][0] < 0.9
    made = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert made == ["interpolation.png", "losses.png", "step_00001.png", "step_00002.png", "training.gif"]
    assert (tmp_path / "cache" / "pydl_gan" / "scorer-v1.pydlw").exists()


def test_conditional_and_wgan_steps(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((32, 28, 28, 1)).astype(np.float32)
    labels = rng.integers(0, 10, 32)
    d = models.conditional_discriminator()
    d.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    g = models.conditional_generator()
    a = models.adversarial(g, d)
    a.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    seen = []
    cb = LambdaCallback(on_batch_end=lambda step, logs: seen.append((step, sorted(logs))))
    history = GANTrainer(g, d, a, 100, noise="normal").train(images, 2, labels=labels, batch_size=8, callbacks=[cb],
                                                              verbose=0)
    assert [s for s, _ in seen] == [0, 1] and "d_acc" in seen[0][1] and len(history.history["a_loss"]) == 2

    critic = models.dcgan_discriminator(output_activation=None)
    critic.compile(loss=wasserstein_loss, optimizer=RMSprop(lr=5e-5))
    g = models.dcgan_generator()
    a = models.adversarial(g, critic)
    a.compile(loss=wasserstein_loss, optimizer=RMSprop(lr=5e-5))
    trainer = GANTrainer(g, critic, a, 100, noise="normal", wgan=True, clip_value=0.01, critic_steps=2)
    logs = trainer.train_step(images, batch_size=8)
    assert np.isfinite(logs["d_loss"]) and np.isnan(logs["d_acc"])
    assert max(np.abs(w).max() for w in critic.get_weights()) <= 0.01 + 1e-7   # clipped after the critic's step


def test_label_smoothing_and_noise():
    g, d = models.dcgan_generator(), models.dcgan_discriminator()
    t = GANTrainer(g, d, d, 100, label_smoothing=0.1)
    np.testing.assert_allclose(t._discriminator_labels(3).ravel(), [0.9, 0.9, 0.9, 0, 0, 0], rtol=1e-6)
    t = GANTrainer(g, d, d, 100, label_noise=0.25, seed=1)
    y = t._discriminator_labels(2000).ravel()
    assert 0.2 < (y[:2000] == 0).mean() < 0.3 and 0.2 < (y[2000:] == 1).mean() < 0.3
    with pytest.raises(ValueError, match="label_smoothing"):
        GANTrainer(g, d, d, 100, label_smoothing=0.7)
    with pytest.raises(ValueError, match="noise"):
        GANTrainer(g, d, d, 100, noise="gaussian")
    with pytest.raises(ValueError, match="not to wgan"):
        GANTrainer(g, d, d, 100, wgan=True, label_noise=0.1)
    with pytest.raises(ValueError, match="--wgan applies to gan.dcgan only"):
        gan.make("quickdraw")(args(wgan=True))


def test_interpolation_ends_at_both_vectors():
    z = plots.interpolate(np.zeros(4), np.ones(4), n=5)
    np.testing.assert_allclose(z[:, 0], [0, 0.25, 0.5, 0.75, 1.0])
    with pytest.raises(ValueError, match="two vectors"):
        plots.interpolate(np.zeros(4), np.ones(3))


def test_wgan_clips_only_the_trained_weights():
    """Weight clipping bounds the critic's parameters; BatchNorm's moving mean and variance are left as they are."""
    from pydl.layers import BatchNormalization, Dense, Flatten, Reshape
    from pydl.models import Sequential
    critic = Sequential([Flatten(input_shape=(2, 2, 1)), Dense(3), BatchNormalization(), Dense(1)])
    critic.compile(loss=wasserstein_loss, optimizer=RMSprop(lr=5e-5))
    g = Sequential([Dense(4, input_shape=(2,)), Reshape((2, 2, 1))])
    a = models.adversarial(g, critic)            # sets critic.trainable = False, as the book does
    a.compile(loss=wasserstein_loss, optimizer=RMSprop(lr=5e-5))
    bn = critic.layers[2]
    stats = {id(t) for t in bn.non_trainable_weights}
    assert len(stats) == 2
    values = [np.full(w.shape, 3.0, np.float32) for w in critic.get_weights()]
    critic.set_weights(values)
    GANTrainer(g, critic, a, 2, wgan=True, clip_value=0.01)._clip_critic()
    for t, w in zip(critic.weights, critic.get_weights()):
        np.testing.assert_array_equal(w, np.float32(3.0 if id(t) in stats else 0.01))   # gamma and beta clipped too
