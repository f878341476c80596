"""Pictures of a GAN's training with matplotlib (Agg, no display needed): grids of generated samples (PNG, and one
animated GIF of all grids), both losses over training, and a walk through latent space."""
import os

import numpy as np

from pydl.callbacks import Callback


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def sample_grid(images, path, columns=8, title=None):
    """Saves images (n, 28, 28, 1) in [0, 1] as a grid of ``columns`` columns; returns path."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 1 or len(images) == 0:
        raise ValueError(f"sample_grid takes (n, h, w, 1) images, got shape {images.shape}")
    plt = _pyplot()
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.7, rows * 0.7 + (0.3 if title else 0)),
                             squeeze=False)
    for ax, i in zip(axes.flat, range(rows * columns)):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
    if title:
        fig.suptitle(title, fontsize=8)
    fig.savefig(path, dpi=60)
    plt.close(fig)
    return path


def save_gif(paths, path, duration_ms=400):
    """One animated GIF from PNG files (the grids in training order)."""
    from PIL import Image
    if not paths:
        raise ValueError("save_gif needs at least one frame")
    frames = [Image.open(p).convert("P", palette=Image.ADAPTIVE) for p in paths]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path


def loss_curves(history, path):
    """The discriminator's and the adversarial model's losses per step (``StepHistory.history``)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key, label in (("d_loss", "discriminator"), ("a_loss", "adversarial (generator)")):
        if key in history:
            ax.plot(np.arange(1, len(history[key]) + 1), history[key], label=label, linewidth=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def interpolate(z0, z1, n=10):
    """n latent vectors evenly spaced on the straight line from z0 to z1 (both ends included)."""
    z0, z1 = np.asarray(z0, np.float32), np.asarray(z1, np.float32)
    if z0.shape != z1.shape or z0.ndim != 1:
        raise ValueError(f"interpolate takes two vectors of one shape, got {z0.shape} and {z1.shape}")
    t = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    return (1 - t) * z0 + t * z1


def interpolation(generator, z0, z1, path, n=10, label=None):
    """The generator's images along the line from z0 to z1, in one row."""
    z = interpolate(z0, z1, n)
    inputs = z if label is None else [z, np.full((n, 1), label, np.int32)]
    return sample_grid(generator.predict(inputs), path, columns=n, title="latent interpolation")


class SampleGrids(Callback):
    """Every ``every`` steps (and after the last) saves the generator's images for a fixed set of noise vectors
    to ``<folder>/step_<n>.png``; at the end of training, ``<folder>/training.gif`` of all of them."""

    def __init__(self, trainer, folder, every=100, n=32, labels=None):
        super().__init__()
        self.trainer, self.folder, self.every = trainer, folder, int(every)
        self.noise = trainer.sample_noise(n)
        self.labels = labels
        self.paths = []

    def _save(self, step):
        os.makedirs(self.folder, exist_ok=True)
        images = self.trainer.generate(self.noise, self.labels)
        path = os.path.join(self.folder, f"step_{step:05d}.png")
        self.paths.append(sample_grid(images, path, title=f"step {step}"))

    def on_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            self._save(batch + 1)

    def on_train_end(self, logs=None):
        step = self.params.get("steps", 0)
        if not self.paths or not self.paths[-1].endswith(f"step_{step:05d}.png"):
            self._save(step)
        save_gif(self.paths, os.path.join(self.folder, "training.gif"))
