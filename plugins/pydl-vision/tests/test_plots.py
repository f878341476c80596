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


def _predicted_boxes(fig):
    return [p for ax in fig.axes for p in ax.patches if tuple(p.get_edgecolor()[:3]) != (1, 1, 1)]  # true: white


def test_draw_detections_hides_boxes_below_the_score_threshold():
    image = np.zeros((1, 20, 20, 3), np.float32)
    boxes, labels = [np.array([[2, 2, 8, 8], [10, 10, 18, 18]], np.float32)], [np.array([0, 1])]
    scores = [np.array([0.9, 0.1], np.float32)]
    fig = plots.draw_detections(image, boxes, labels, scores, class_names=["a", "b"])
    assert plots.SCORE_THRESHOLD == 0.5
    assert len(fig.axes[0].patches) == 1 and [t.get_text() for t in fig.axes[0].texts] == ["a 0.90"]
    assert fig.axes[0].patches[0].get_xy() == (1.5, 1.5)    # the 0.9 box, at (x1, y1) - half a pixel
    shown = plots.draw_detections(image, boxes, labels, scores, score_threshold=0.0)
    assert len(shown.axes[0].patches) == 2
    assert len(plots.draw_detections(image, boxes, labels, scores, score_threshold=0.95).axes[0].patches) == 0
    at = plots.draw_detections(image, boxes, labels, [np.array([0.5, 0.25])], score_threshold=0.5)
    assert [t.get_text() for t in at.axes[0].texts] == ["0 0.50"]     # a score equal to the threshold is shown
    nan = plots.draw_detections(image, boxes, labels, [np.array([np.nan, 0.9])], score_threshold=0.0)
    assert len(nan.axes[0].patches) == 1                                 # a NaN score is never shown
    # true boxes are always drawn; without scores nothing is filtered
    fig = plots.draw_detections(image, boxes, labels, scores, true_boxes=boxes)
    assert len(fig.axes[0].patches) == 3 and len(_predicted_boxes(fig)) == 1
    assert len(plots.draw_detections(image, boxes, labels).axes[0].patches) == 2


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "high", None])
def test_draw_detections_refuses_a_threshold_outside_0_1(bad):
    with pytest.raises(ValueError, match="score_threshold"):
        plots.draw_detections(np.zeros((1, 8, 8, 3)), [np.zeros((0, 4))], score_threshold=bad)


def _extents(fig):
    """Window extents of the titles, the image axes and the legends after an Agg draw."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig).draw()
    r = fig.canvas.get_renderer()
    titles = [ax.title.get_window_extent(r) for ax in fig.axes if ax.get_title()]
    return titles, [ax.get_window_extent(r) for ax in fig.axes], [lg.get_window_extent(r) for lg in fig.legends], r


@pytest.mark.parametrize("n", [1, 2, 8])
def test_overlay_masks_titles_overlap_nothing(n):
    s = make_scenes(n, 32, seed=2)
    fig = plots.overlay_masks(s.images, s.masks, true_masks=s.masks,
                              class_names=["background", "square", "circle", "triangle"])
    titles, axes, legends, _ = _extents(fig)
    assert len(titles) == 2 * n and len(legends) == 1
    page = fig.bbox
    for i, t in enumerate(titles):
        assert not any(t.overlaps(u) for u in titles[i + 1:])
        own = i    # title i belongs to axes i; it must not reach into any other image
        assert not any(t.overlaps(a) for j, a in enumerate(axes) if j != own)
        assert not t.overlaps(legends[0])
        assert page.x0 <= t.x0 and t.x1 <= page.x1 and page.y0 <= t.y0 and t.y1 <= page.y1
    lg = legends[0]
    assert page.x0 <= lg.x0 and lg.x1 <= page.x1 and page.y0 <= lg.y0      # the legend is not cut off

