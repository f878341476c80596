"""The chapter 12 networks: the book's parameter counts, and Keras 2's compile-time trainable semantics (the
discriminator trains on its own but is frozen inside the adversarial model)."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pydl_gan import models
from pydl_gan.plugin import GANPlugin

from pydl.optimizers import RMSprop
from pydl.registry import Registrar


def n_params(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def test_book_parameter_counts():
    d, g = models.book_discriminator(), models.book_generator()
    assert d.count_params() == 4_311_553
    assert g.count_params() == 183_713
    assert n_params(g.trainable_weights) == 177_329     # BatchNorm's moving statistics are not trained
    assert d.output_shape == (None, 1) and g.output_shape == (None, 28, 28, 1)
    bn = [layer for layer in g.layers if type(layer).__name__ == "BatchNormalization"]
    assert len(bn) == 4 and all(layer.momentum == 0.9 for layer in bn)
    assert sorted({layer.rate for layer in d.layers + g.layers if type(layer).__name__ == "Dropout"}) == [0.4]


def test_other_models_shapes():
    z = np.zeros((3, 100), np.float32)
    labels = np.array([[1], [2], [3]], np.int32)
    assert models.dcgan_generator().predict(z).shape == (3, 28, 28, 1)
    assert models.dcgan_discriminator(output_activation=None).predict(np.zeros((3, 28, 28, 1), np.float32)).shape \
        == (3, 1)
    g, d = models.conditional_generator(), models.conditional_discriminator()
    images = g.predict([z, labels])
    assert images.shape == (3, 28, 28, 1) and 0 <= images.min() and images.max() <= 1
    assert d.predict([images, labels]).shape == (3, 1)
    # the label changes the picture: same noise, two labels
    assert np.abs(g.predict([z[:1], labels[:1]]) - g.predict([z[:1], labels[1:2]])).max() > 1e-4


def test_registers_models():
    staging = Registrar(GANPlugin.name)
    GANPlugin().register(staging)
    keys = sorted(e.key for e in staging.staged)
    assert {"gan.quickdraw", "gan.dcgan", "gan.conditional", "gan.book_generator"} <= set(keys)


@pytest.fixture(scope="module")
def book_gan():
    d = models.book_discriminator()
    d.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=0.0008, decay=6e-8, clipvalue=1.0),
              metrics=["accuracy"])
    g = models.book_generator()
    a = models.adversarial(g, d)
    a.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=0.0004, decay=3e-8, clipvalue=1.0),
              metrics=["accuracy"])
    return g, d, a


def test_trainable_flag_is_read_at_compile_time(book_gan):
    g, d, a = book_gan
    rng = np.random.default_rng(0)
    assert n_params(a.trainable_weights) == 177_329     # the adversarial model trains the generator only
    z = rng.uniform(-1, 1, (8, 32)).astype(np.float32)
    d_before, g_before = d.get_weights(), g.get_weights()
    a.train_on_batch(z, np.ones((8, 1), np.float32))
    assert all(np.array_equal(x, y) for x, y in zip(d_before, d.get_weights())), "frozen discriminator moved"
    g_after = g.get_weights()
    assert sum(not np.array_equal(x, y) for x, y in zip(g_before, g_after)) == len(g_before)  # incl. BN statistics
    # the discriminator compiled before `trainable = False`: trained on its own, all its weights move
    images = rng.random((8, 28, 28, 1)).astype(np.float32)
    d.train_on_batch(images, np.ones((8, 1), np.float32))
    assert all(not np.array_equal(x, y) for x, y in zip(d_before, d.get_weights()))
    assert all(np.array_equal(x, y) for x, y in zip(g_after, g.get_weights()))
    # and back through the adversarial model: still frozen after the discriminator's own step
    d_mid = d.get_weights()
    a.train_on_batch(z, np.ones((8, 1), np.float32))
    assert all(np.array_equal(x, y) for x, y in zip(d_mid, d.get_weights()))
