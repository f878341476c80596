"""Plots: each function returns a Figure and writes a non-empty PNG, headless (no pyplot, Agg when saving)."""
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

import pydl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from pydl.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D  # noqa: E402
from pydl.models import Model, Sequential  # noqa: E402
from pydl_vision import plots  # noqa: E402
from pydl_vision.shapes import make_scenes  # noqa: E402


def _is_png(path):
    data = path.read_bytes()
    return len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def conv_model():
    pydl.utils.set_random_seed(0)
    x = Input((12, 12, 3))
    h = Conv2D(6, 3, padding="same", activation="relu", name="c1")(x)
    h = MaxPooling2D(2, name="p1")(h)
    h = Conv2D(5, 3, name="c2")(h)
    y = Dense(2, activation="softmax")(Flatten()(h))
    return Model(x, y)


def test_image_grid(tmp_path):
    s = make_scenes(6, 16, seed=0)
    fig = plots.image_grid(s.images, labels=[0, 1, 2, 0, 1, 2], predictions=[0, 1, 1, 0, 1, 2],
                           class_names=["a", "b", "c"], ncols=3, path=tmp_path / "grid.png")
    assert isinstance(fig, Figure) and _is_png(tmp_path / "grid.png")
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert titles == ["a / pred a", "b / pred b", "c / pred b"]
    assert fig.axes[2].title.get_color() == "red"
    grey = plots.image_grid(make_scenes(3, 16, channels=1).images, path=tmp_path / "grey.png")
    assert isinstance(grey, Figure) and _is_png(tmp_path / "grey.png")


def test_plot_filters_defaults_to_first_conv(tmp_path, conv_model):
    fig = plots.plot_filters(conv_model, path=tmp_path / "filters.png")
    assert isinstance(fig, Figure) and _is_png(tmp_path / "filters.png")
    assert "c1: 6 filters 3x3" in fig._suptitle.get_text()
    assert sum(1 for ax in fig.axes if ax.images) == 6
    fig2 = plots.plot_filters(conv_model, layer="c2")
    assert sum(1 for ax in fig2.axes if ax.images) == 5


def test_feature_maps_shapes_and_values(tmp_path, conv_model):
    image = np.random.default_rng(0).random((12, 12, 3), dtype=np.float32)
    assert plots.feature_maps(conv_model, "c1", image).shape == (12, 12, 6)
    assert plots.feature_maps(conv_model, "p1", image).shape == (6, 6, 6)
    maps = plots.feature_maps(conv_model, conv_model.get_layer("c2"), image)
    assert maps.shape == (4, 4, 5)
    # the sub-model shares the weights: c1's maps equal relu(conv) computed directly
    w, b = conv_model.get_layer("c1").get_weights()
    direct = pydl.ops.relu(pydl.ops.conv2d(pydl.tensor(image[None]), pydl.tensor(w), pydl.tensor(b),
                                           padding="same"))
    np.testing.assert_allclose(plots.feature_maps(conv_model, "c1", image), np.asarray(direct)[0], atol=1e-5)
    fig = plots.plot_feature_maps(conv_model, "c1", image, max_maps=4, path=tmp_path / "maps.png")
    assert isinstance(fig, Figure) and _is_png(tmp_path / "maps.png")
    assert sum(1 for ax in fig.axes if ax.images) == 4


def test_feature_maps_of_a_sequential_model():
    pydl.utils.set_random_seed(0)
    model = Sequential([Conv2D(3, 3, input_shape=(8, 8, 1), name="sc1"), MaxPooling2D(2), Flatten(), Dense(2)])
    assert plots.feature_maps(model, "sc1", np.ones((8, 8, 1), np.float32)).shape == (6, 6, 3)
    assert plots.feature_maps(model, 1, np.ones((8, 8, 1), np.float32)).shape == (3, 3, 3)


def test_learning_curves_from_history(tmp_path):
    pydl.utils.set_random_seed(0)
    model = Sequential([Dense(3, input_shape=(4,), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((20, 4), dtype=np.float32)
    y = np.arange(20) % 3
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    fig = plots.learning_curves(history, path=tmp_path / "curves.png")
    assert isinstance(fig, Figure) and _is_png(tmp_path / "curves.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [3, 3]
    assert len(plots.learning_curves({"loss": [1.0, 0.5]}).axes[0].lines) == 1
    with pytest.raises(ValueError, match="empty"):
        plots.learning_curves({})


def test_draw_detections(tmp_path):
    s = make_scenes(3, 24, seed=1)
    scores = [np.full(len(b), 0.9) for b in s.boxes]
    fig = plots.draw_detections(s.images, s.boxes, s.labels, scores, true_boxes=s.boxes,
                                class_names=["square", "circle", "triangle"], path=tmp_path / "boxes.png")
    assert isinstance(fig, Figure) and _is_png(tmp_path / "boxes.png")
    n = sum(len(b) for b in s.boxes)
    assert sum(len(ax.patches) for ax in fig.axes) == 2 * n      # predicted + true
    assert sum(len(ax.texts) for ax in fig.axes) == n
    assert fig.axes[0].texts[0].get_text().endswith("0.90")


def test_overlay_masks(tmp_path):
    s = make_scenes(4, 16, seed=2)
    fig = plots.overlay_masks(s.images, s.masks, true_masks=s.masks, class_names=["bg", "sq", "ci", "tr"],
                              path=tmp_path / "masks.png")
    assert isinstance(fig, Figure) and _is_png(tmp_path / "masks.png")
    assert sum(1 for ax in fig.axes if ax.images) == 8
    # background pixels stay grey, shape pixels take their class colour
    shown = fig.axes[0].images[0].get_array()
    bg = s.masks[0] == 0
    assert np.allclose(shown[bg][:, 0], shown[bg][:, 1]) and not np.allclose(shown[~bg][:, 0], shown[~bg][:, 1])
    fig1 = plots.overlay_masks(make_scenes(2, 16, channels=1).images, s.masks[:2])
    assert sum(1 for ax in fig1.axes if ax.images) == 2
