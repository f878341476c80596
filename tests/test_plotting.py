"""pydl.utils.plot_history: the learning curves the book draws after fit()."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import pydl
from pydl.layers import Dense
from pydl.models import Sequential


def history(epochs=3):
    pydl.utils.set_random_seed(0)
    model = Sequential([Dense(3, input_shape=(4,), activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((20, 4), dtype=np.float32)
    return model.fit(x, np.arange(20) % 3, epochs=epochs, validation_split=0.25, verbose=0)


def test_one_panel_per_metric_with_training_and_validation_curves(tmp_path):
    h = history()
    fig = pydl.utils.plot_history(h, path=tmp_path / "curves.png")
    assert isinstance(fig, Figure)
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    loss_axis = fig.axes[0]
    assert [line.get_label() for line in loss_axis.lines] == ["training", "validation"]
    np.testing.assert_allclose(loss_axis.lines[0].get_ydata(), h.history["loss"])
    np.testing.assert_allclose(loss_axis.lines[1].get_xdata(), [1, 2, 3])


def test_chosen_metrics_skip_names_the_history_lacks():
    fig = pydl.utils.plot_history(history().history, metrics=["accuracy", "auc"])
    assert [ax.get_title() for ax in fig.axes] == ["accuracy"]
    assert len(pydl.utils.plot_history({"loss": [1.0, 0.5]}).axes[0].lines) == 1


def test_empty_or_unknown_histories_are_rejected():
    with pytest.raises(ValueError, match="empty"):
        pydl.utils.plot_history({})
    with pytest.raises(ValueError, match="none of"):
        pydl.utils.plot_history({"loss": [1.0]}, metrics=["auc"])


def test_epoch_ticks_are_whole_numbers():
    fig = pydl.utils.plot_history({"loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.8, 0.6]})
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    ticks = [t for t in fig.axes[0].get_xticks() if 1 <= t <= 3]
    assert ticks and all(float(t).is_integer() for t in ticks)
