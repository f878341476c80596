"""Learning curves of a fit() history (matplotlib, without pyplot: no GUI backend and no global figure state)."""
import numpy as np


def plot_history(history, metrics=None, path=None):
    """One panel per metric with its training and validation curves per epoch, like the book's plots.

    history: a History from fit() or its .history dict; metrics: the names to plot (default: every logged metric,
    validation ones drawn with their training twin; names not logged are skipped); path: where to save the image
    (optional). Returns the matplotlib Figure.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    logs = getattr(history, "history", history)
    if not logs:
        raise ValueError("plot_history: the history is empty (train with fit() first)")
    names = [k for k in logs if not k.startswith("val_")] if metrics is None else list(metrics)
    names = [m for m in names if m in logs or f"val_{m}" in logs]
    if not names:
        raise ValueError(f"plot_history: none of {list(metrics)} is in the history (it has {sorted(logs)})")
    fig = Figure(figsize=(4.5 * len(names), 3.4))
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False).ravel(), names):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            if key in logs:
                values = logs[key]
                ax.plot(np.arange(1, len(values) + 1), values, style, marker="." if len(values) < 50 else None,
                        label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=100)
    return fig
