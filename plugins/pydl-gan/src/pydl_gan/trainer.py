"""GANTrainer: the book's training loop over ``train_on_batch``. Each step

1. the discriminator trains on a batch of real images (label 1) and as many generated ones (label 0);
2. the adversarial model (generator -> frozen discriminator) trains on fresh noise labelled "real", which moves only
   the generator's weights.

Both losses and accuracies reach pydl callbacks as batch logs (``d_loss``, ``d_acc``, ``a_loss``, ``a_acc``); the
progress bar is pydl's ProgbarLogger counting steps. Options from the book's "awkward GAN" notebook: one-sided label
smoothing (real labels 1 - s) and noisy labels (a fraction of the discriminator's labels flipped). ``wgan=True``
trains a linear critic with the Wasserstein loss and clips its weights after every critic update (Arjovsky et al.).
"""
import numpy as np

from pydl import ops
from pydl.callbacks import Callback, CallbackList, ProgbarLogger

METRICS = ("d_loss", "d_acc", "a_loss", "a_acc")


def wasserstein_loss(y_true, y_pred):
    """mean(y_true * y_pred) with y = -1 for real, +1 for generated: the critic raises its score of real images."""
    return ops.mean(ops.multiply(y_true, y_pred))


class StepHistory(Callback):
    """Records every step's logs: ``history[name]`` is a list with one value per step."""

    def on_train_begin(self, logs=None):
        self.history = {}

    def on_batch_end(self, batch, logs=None):
        for k in METRICS:
            if k in (logs or {}):
                self.history.setdefault(k, []).append(float(logs[k]))


class GANTrainer:
    """``GANTrainer(generator, discriminator, adversarial_model, latent_dim)``; the two trainable models must be
    compiled (discriminator first, see ``models.adversarial``). ``labels`` (int array) makes it conditional: the
    discriminator and adversarial model then take [images or noise, labels]."""

    def __init__(self, generator, discriminator, adversarial_model, latent_dim, noise="uniform",
                 label_smoothing=0.0, label_noise=0.0, wgan=False, clip_value=0.01, critic_steps=5, n_classes=10,
                 seed=0):
        if noise not in ("uniform", "normal"):
            raise ValueError(f"noise must be 'uniform' (the book's, in [-1, 1]) or 'normal', got {noise!r}")
        if not 0.0 <= label_smoothing < 0.5 or not 0.0 <= label_noise < 0.5:
            raise ValueError(f"label_smoothing and label_noise must lie in [0, 0.5), got {label_smoothing} and "
                             f"{label_noise}")
        if wgan and (label_smoothing or label_noise):
            raise ValueError("label_smoothing and label_noise apply to the binary cross-entropy GAN, not to wgan=True")
        if wgan and (clip_value <= 0 or critic_steps < 1):
            raise ValueError(f"wgan needs clip_value > 0 and critic_steps >= 1, got {clip_value}, {critic_steps}")
        self.generator, self.discriminator, self.adversarial = generator, discriminator, adversarial_model
        self.latent_dim, self.noise, self.n_classes = int(latent_dim), noise, int(n_classes)
        self.label_smoothing, self.label_noise = float(label_smoothing), float(label_noise)
        self.wgan, self.clip_value, self.critic_steps = bool(wgan), float(clip_value), int(critic_steps)
        self.rng = np.random.default_rng(seed)
        self.step = 0

    def sample_noise(self, n):
        if self.noise == "uniform":
            return self.rng.uniform(-1.0, 1.0, size=(n, self.latent_dim)).astype(np.float32)
        return self.rng.standard_normal((n, self.latent_dim)).astype(np.float32)

    def generate(self, noise, labels=None):
        return self.generator.predict(noise if labels is None else [noise, labels], batch_size=256)

    def _discriminator_labels(self, n):
        if self.wgan:   # Wasserstein: -1 real, +1 generated
            return np.concatenate([-np.ones((n, 1)), np.ones((n, 1))]).astype(np.float32)
        y = np.concatenate([np.full((n, 1), 1.0 - self.label_smoothing), np.zeros((n, 1))]).astype(np.float32)
        if self.label_noise:
            flip = self.rng.random(2 * n) < self.label_noise
            y[flip] = 1.0 - y[flip]
        return y

    def _clip_critic(self):
        # only what the critic's optimizer trains: BatchNorm's moving statistics are not parameters to bound. The
        # layers' flags, not the model's: adversarial() sets discriminator.trainable = False after its compile
        trained = {id(t) for layer in self.discriminator.layers for t in layer.trainable_weights}
        self.discriminator.set_weights([np.clip(w, -self.clip_value, self.clip_value) if id(t) in trained else w
                                        for t, w in zip(self.discriminator.weights,
                                                        self.discriminator.get_weights())])

    def train_step(self, images, labels=None, batch_size=128):
        """One step of the book's loop on a random batch of ``images``; returns the step's logs."""
        conditional = labels is not None
        d_loss = d_acc = 0.0
        for _ in range(self.critic_steps if self.wgan else 1):
            idx = self.rng.integers(0, len(images), batch_size)
            real = images[idx]
            fake_labels = self.rng.integers(0, self.n_classes, (batch_size, 1)).astype(np.int32)
            fake = self.generate(self.sample_noise(batch_size), fake_labels if conditional else None)
            x = np.concatenate([real, fake])
            y = self._discriminator_labels(batch_size)
            inputs = [x, np.concatenate([labels[idx].reshape(-1, 1).astype(np.int32), fake_labels])] \
                if conditional else x
            out = self.discriminator.train_on_batch(inputs, y)
            d_loss, d_acc = (out[0], out[1]) if isinstance(out, list) else (out, float("nan"))
            if self.wgan:
                self._clip_critic()
        noise = self.sample_noise(batch_size)
        target = np.full((batch_size, 1), -1.0 if self.wgan else 1.0, np.float32)
        ask = self.rng.integers(0, self.n_classes, (batch_size, 1)).astype(np.int32)
        out = self.adversarial.train_on_batch([noise, ask] if conditional else noise, target)
        a_loss, a_acc = (out[0], out[1]) if isinstance(out, list) else (out, float("nan"))
        self.step += 1
        return {"d_loss": float(d_loss), "d_acc": float(d_acc), "a_loss": float(a_loss), "a_acc": float(a_acc),
                "size": 1}

    def train(self, images, steps, labels=None, batch_size=128, callbacks=None, verbose=1):
        """``steps`` steps; callbacks get on_train_begin/on_batch_end(step, logs)/on_train_end. Returns the
        StepHistory (``.history['d_loss']``, ...)."""
        images = np.asarray(images, np.float32)
        labels = None if labels is None else np.asarray(labels)
        if labels is not None and len(labels) != len(images):
            raise ValueError(f"labels has {len(labels)} entries for {len(images)} images")
        if steps < 1 or batch_size < 1:
            raise ValueError(f"steps and batch_size must be positive, got {steps} and {batch_size}")
        history = StepHistory()
        cbs = CallbackList([history] + list(callbacks or []) + ([ProgbarLogger("steps")] if verbose else []))
        cbs.set_model(self.adversarial)
        cbs.set_params({"epochs": 1, "steps": steps, "verbose": verbose, "metrics": list(METRICS)})
        cbs.on_train_begin({})
        cbs.on_epoch_begin(0, {})
        logs = {}
        for i in range(steps):
            cbs.on_batch_begin(i, {})
            logs = self.train_step(images, labels, batch_size)
            cbs.on_batch_end(i, logs)
        cbs.on_epoch_end(0, {k: logs[k] for k in METRICS})
        cbs.on_train_end({})
        return history
