"""A 2-D t-SNE map of word vectors (scikit-learn's TSNE, matplotlib), each point labelled with its word, as the book
plots its word2vec space. Takes any (words, vectors) pairs, e.g. from a word2vec model."""
import numpy as np


def tsne_coordinates(vectors, perplexity=30.0, seed=0):
    """(n, 2) t-SNE coordinates of `vectors` (n, d); the perplexity is capped below n as TSNE requires."""
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise ImportError("t-SNE comes from scikit-learn: pip install scikit-learn") from None
    v = np.asarray(vectors, np.float64)
    if v.ndim != 2 or v.shape[0] < 3:
        raise ValueError(f"vectors must be a (n >= 3, d) array, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("vectors contain NaN or infinity")
    return TSNE(n_components=2, perplexity=min(float(perplexity), v.shape[0] - 1.0), init="pca",
                random_state=seed).fit_transform(v)


def plot_word_vectors(words, vectors, path, perplexity=30.0, seed=0, figsize=(10, 10)):
    """Saves a labelled scatter plot of the t-SNE map of (words, vectors) to `path`; returns the (n, 2) coordinates."""
    words = list(words)
    v = np.asarray(vectors)
    if v.ndim != 2 or len(words) != v.shape[0]:
        raise ValueError(f"{len(words)} words but vectors of shape {v.shape} (need one row per word)")
    xy = tsne_coordinates(v, perplexity, seed)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install matplotlib") from None
    fig, ax = plt.subplots(figsize=figsize)
    ax.scatter(xy[:, 0], xy[:, 1], s=8)
    for w, (x, y) in zip(words, xy):
        ax.annotate(str(w), (x, y), fontsize=8)
    ax.set_title("t-SNE of word vectors")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return xy
