"""Trains the book's LeNet-5 (ch 10) on MNIST: Adam, batch 128, 10 epochs; prints validation accuracy and speed.

The book's notebook, with `keras` swapped for pydl: two 3x3 ReLU convolutions, 2x2 max pooling, dropout, a
128-unit dense layer and a softmax over the 10 digits (1,199,882 parameters). Data: full MNIST when cached or
downloadable, otherwise the offline subset (see pydl_vision.data).
"""
import time


import pydl
from pydl.utils import to_categorical

from ..data import CHOICES, load_mnist
from ..models import lenet5
from .options import option, setup

DEFAULTS = dict(epochs=10, batch_size=128)  # the book's


def add_arguments(parser):
    parser.set_defaults(**DEFAULTS)
    parser.add_argument("--data", choices=CHOICES, default="auto",
                        help="which MNIST to use (auto: the best available)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training images (default: all)")


class _TrainClock(pydl.callbacks.Callback):
    """Wall time spent in training batches only (validation and progress printing excluded)."""

    def on_train_begin(self, logs=None):
        self.seconds, self.samples = 0.0, 0

    def on_train_batch_begin(self, batch, logs=None):
        self._t = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.seconds += time.perf_counter() - self._t
        self.samples += int((logs or {}).get("size", 0))


def run(args):
    epochs, batch_size = option(args, "epochs", DEFAULTS["epochs"]), option(args, "batch_size", DEFAULTS["batch_size"])
    setup(args)
    (x_train, y_train), (x_val, y_val), data = load_mnist(args.data, args.limit, verbose=args.verbose != 0)
    model = lenet5()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    if args.verbose:
        model.summary()
    clock = _TrainClock()
    start = time.perf_counter()
    history = model.fit(x_train, to_categorical(y_train, 10), batch_size=batch_size, epochs=epochs,
                        verbose=args.verbose, validation_data=(x_val, to_categorical(y_val, 10)), callbacks=[clock],
                        distributed=bool(getattr(args, "distributed", False)))
    total = time.perf_counter() - start
    val_acc = float(history.history["val_accuracy"][-1])
    rate = clock.samples / clock.seconds if clock.seconds else float("nan")
    print(f"vision.lenet5: validation accuracy {val_acc:.4f} after {epochs} epochs on {len(x_train):,} images "
          f"({data.split(' (')[0]}); training {rate:,.0f} samples/s on {pydl.get_num_threads()} thread(s), "
          f"{total:.1f} s in all")
    if args.plot:
        from ..plots import learning_curves
        learning_curves(history, path=args.plot)
        print(f"plot saved to {args.plot}")
    return {"val_accuracy": val_acc, "val_loss": float(history.history["val_loss"][-1]), "epochs": epochs,
            "train_samples": len(x_train), "samples_per_s": rate, "seconds": total, "data": data,
            "params": model.count_params(), "history": {k: [float(v) for v in vs] for k, vs in
                                                        history.history.items()}}
