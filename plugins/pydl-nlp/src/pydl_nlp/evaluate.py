"""The book's evaluation of a sentiment classifier: ROC AUC (scikit-learn), a histogram of the predicted
probabilities (matplotlib, saved to a file) and the misclassified reviews printed as text."""
import numpy as np

from .data import decode


def roc_auc(y_true, y_prob):
    try:
        from sklearn.metrics import roc_auc_score
    except ImportError:
        raise ImportError("ROC AUC comes from scikit-learn: pip install scikit-learn") from None
    y_true, y_prob = np.asarray(y_true).ravel(), np.asarray(y_prob, np.float64).ravel()
    if y_true.shape != y_prob.shape:
        raise ValueError(f"{y_true.shape[0]} labels but {y_prob.shape[0]} predictions")
    if len(np.unique(y_true)) < 2:
        raise ValueError("ROC AUC needs both classes among the labels")
    return float(roc_auc_score(y_true, y_prob))


def probability_histogram(y_prob, path, bins=20):
    """Saves a histogram of predicted probabilities (the book's plt.hist(y_hat)) to `path`."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install matplotlib") from None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(np.asarray(y_prob).ravel(), bins=bins, range=(0, 1))
    ax.set_xlabel("predicted probability of a positive review")
    ax.set_ylabel("reviews")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def misclassified(x, y_true, y_prob, word_index, n=3, threshold=0.5):
    """[(probability, label, text)] for up to `n` of the reviews the model got most wrong."""
    y_true, y_prob = np.asarray(y_true).ravel(), np.asarray(y_prob).ravel()
    wrong = np.flatnonzero((y_prob > threshold) != (y_true == 1))
    worst = wrong[np.argsort(-np.abs(y_prob[wrong] - y_true[wrong]), kind="stable")][:n]
    return [(float(y_prob[i]), int(y_true[i]), decode(x[i], word_index)) for i in worst]
