"""The GAN notebooks' Keras calls in our own words: a functional discriminator compiled on its own, frozen inside an
adversarial model with the generator, trained with train_on_batch, a second frozen copy refreshed by set_weights
(the 'awkward' notebook), and `K` used to read the learning rate and a hidden layer."""
import numpy as np

import pydl
from pydl import backend as K
from pydl.layers import (Activation, BatchNormalization, Conv2D, Conv2DTranspose, Dense, Dropout, Flatten, Input,
                         Reshape, UpSampling2D)
from pydl.optimizers import RMSprop


def discriminator():
    image = Input((8, 8, 1))
    x = Dropout(0.4)(Conv2D(4, 3, strides=2, padding="same", activation="relu")(image))
    return pydl.Model(image, Dense(1, activation="sigmoid")(Flatten()(x)))


def generator(z_dim=4):
    z = Input((z_dim,))
    x = Activation("relu")(BatchNormalization(momentum=0.9)(Dense(4 * 4 * 4)(z)))
    x = UpSampling2D()(Reshape((4, 4, 4))(x))
    x = Activation("relu")(BatchNormalization(momentum=0.9)(Conv2DTranspose(2, 3, padding="same")(x)))
    return pydl.Model(z, Conv2D(1, 3, padding="same", activation="sigmoid")(x))


def test_adversarial_training_moves_only_the_generator():
    pydl.utils.set_random_seed(0)
    d, g = discriminator(), generator()
    d.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=0.0008, decay=6e-8, clipvalue=1.0),
              metrics=["accuracy"])
    d.trainable = False
    z = Input((4,))
    adversarial = pydl.Model(z, d(g(z)))
    adversarial.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=0.0004, decay=3e-8, clipvalue=1.0),
                        metrics=["accuracy"])
    assert float(K.get_value(adversarial.optimizer.lr)) == np.float32(0.0004)
    rng = np.random.default_rng(0)
    real = (rng.random((16, 8, 8, 1)) > 0.5).astype("float32")
    for _ in range(3):
        fake = g.predict(rng.uniform(-1, 1, (16, 4)), verbose=0)
        d_before = [w.copy() for w in d.get_weights()]
        d_loss, d_acc = d.train_on_batch(np.concatenate([real, fake]), np.r_[np.ones(16), np.zeros(16)][:, None])
        assert any(not np.array_equal(a, b) for a, b in zip(d_before, d.get_weights()))  # D learns on its own
        g_before, d_before = [w.copy() for w in g.get_weights()], [w.copy() for w in d.get_weights()]
        a_loss, a_acc = adversarial.train_on_batch(rng.uniform(-1, 1, (16, 4)), np.ones((16, 1)))
        assert all(np.array_equal(a, b) for a, b in zip(d_before, d.get_weights()))      # frozen inside
        assert any(not np.array_equal(a, b) for a, b in zip(g_before, g.get_weights()))  # G learns
        assert np.isfinite([d_loss, d_acc, a_loss, a_acc]).all() and 0 <= a_acc <= 1
    hidden = K.function([g.input, K.learning_phase()], [g.layers[1].output])([rng.uniform(-1, 1, (2, 4)), 0])[0]
    assert hidden.shape == (2, 64)


def test_awkward_copy_of_a_frozen_discriminator_follows_set_weights():
    pydl.utils.set_random_seed(1)
    trained, frozen = discriminator(), discriminator()
    frozen.trainable = False
    for source, target in zip(trained.layers, frozen.layers):
        target.set_weights(source.get_weights())
    x = np.random.default_rng(1).random((4, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(trained.predict(x, verbose=0), frozen.predict(x, verbose=0))
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == len(trained.weights)
