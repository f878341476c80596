"""One recipe per sentiment-classifier notebook of the book's chapter 11: the notebook's data settings, model,
Adam, batch 128 and epochs; each prints the data it used, shows fit's progress bar and reports validation accuracy and
ROC AUC, the most wrongly classified validation reviews as text, and with --plot a histogram of the predicted
probabilities."""
import time

import pydl
from pydl.utils import set_random_seed

from .. import models
from ..data import CHOICES, load
from ..evaluate import misclassified, probability_histogram, roc_auc

# name: (vocabulary size, top words skipped, review length, epochs, what the notebook trains)
SPECS = {
    "dense": (5000, 50, 100, 4, "the dense sentiment classifier"),
    "conv": (5000, 0, 400, 4, "the convolutional sentiment classifier"),
    "rnn": (10000, 0, 100, 16, "the SimpleRNN sentiment classifier"),
    "lstm": (10000, 0, 100, 4, "the LSTM sentiment classifier"),
    "gru": (10000, 0, 100, 4, "the GRU sentiment classifier"),
    "bilstm": (10000, 0, 200, 6, "the bidirectional LSTM sentiment classifier"),
    "stacked_bilstm": (10000, 0, 200, 4, "the stacked bidirectional LSTM sentiment classifier"),
    "conv_lstm": (10000, 0, 200, 4, "the conv + bidirectional LSTM sentiment classifier"),
    "multi_convnet": (5000, 0, 400, 4, "the multi-ConvNet sentiment classifier (functional API)"),
}


BATCH_SIZE = 128  # every notebook's


def add_arguments(parser):
    parser.add_argument("--data", choices=CHOICES, default="auto",
                        help="imdb: Keras's imdb.npz (cached or downloaded); generated: a synthetic corpus from word "
                             "lists (offline); auto: imdb when available, else generated")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first N reviews of each split (default: all)")


def arguments(name):
    """add_arguments for recipe nlp.`name`: the options, with its notebook's epochs and batch size as defaults (the
    values --help shows and a run uses)."""
    def add(parser):
        parser.set_defaults(epochs=SPECS[name][3], batch_size=BATCH_SIZE)
        add_arguments(parser)
    return add


def make(name):
    n_words, skip_top, length, default_epochs, what = SPECS[name]
    build = models.ARCHITECTURES[name][0]

    def run(args):
        if getattr(args, "threads", None):
            pydl.set_num_threads(int(args.threads))
        seed = args.seed if getattr(args, "seed", None) is not None else 0
        set_random_seed(seed)
        verbose = 1 if getattr(args, "verbose", None) is None else args.verbose
        epochs, batch_size = args.epochs or default_epochs, args.batch_size or BATCH_SIZE
        (xt, yt), (xv, yv), index, data = load(getattr(args, "data", "auto"), n_words, skip_top, length,
                                               getattr(args, "limit", None), seed=seed)
        model = build(n_unique_words=n_words, max_review_length=length)
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        if verbose:
            model.summary()
        start = time.perf_counter()
        history = model.fit(xt, yt, batch_size=batch_size, epochs=epochs, verbose=verbose, validation_data=(xv, yv))
        seconds = time.perf_counter() - start
        y_prob = model.predict(xv, batch_size=batch_size).ravel()
        val_acc = float(history.history["val_accuracy"][-1])
        auc = roc_auc(yv, y_prob)
        print(f"nlp.{name}: validation accuracy {val_acc:.4f}, ROC AUC {auc:.4f} after {epochs} epoch(s) on "
              f"{len(xt):,} reviews ({data.split(' (')[0]}), {model.count_params():,} params, {seconds:.1f} s")
        for p, label, text in misclassified(xv, yv, y_prob, index, n=2):
            print(f"misclassified (label {label}, predicted {p:.2f}): {text[:300]}")
        if args.plot:
            probability_histogram(y_prob, args.plot)
            print(f"plot saved to {args.plot} (histogram of predicted probabilities)")
        return {"val_accuracy": val_acc, "roc_auc": auc, "epochs": epochs, "train_samples": len(xt), "data": data,
                "params": model.count_params(), "seconds": seconds,
                "history": {k: [float(v) for v in vs] for k, vs in history.history.items()}}
    run.__doc__ = f"Trains the book's {what[4:]} (ch 11) on IMDB or offline data; reports accuracy and ROC AUC."
    return run
