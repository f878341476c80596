"""KerasClassifier / KerasRegressor: scikit-learn's model selection tunes and scores pydl models (Keras 2 API)."""
import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402

import pydl  # noqa: E402
from pydl.layers import Dense  # noqa: E402
from pydl.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return (x / 16).astype("float32")[:600], y[:600]


def build_classifier(hidden=16, loss="categorical_crossentropy"):
    pydl.manual_seed(0)
    m = pydl.Sequential([Dense(hidden, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")])
    m.compile(loss=loss, optimizer=pydl.optimizers.Adam(lr=0.01), metrics=["accuracy"])
    return m


def test_cross_val_score_on_digits_beats_chance_by_far(digits):
    x, y = digits
    clf = KerasClassifier(build_classifier, hidden=32, epochs=8, batch_size=32, verbose=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8  # chance is 0.1


def test_grid_search_sets_build_and_fit_arguments(digits):
    x, y = digits
    clf = KerasClassifier(build_classifier, epochs=1, batch_size=64, verbose=0)
    grid = GridSearchCV(clf, {"hidden": [2, 48], "epochs": [1, 8]}, cv=2).fit(x, y)
    assert grid.best_params_ == {"hidden": 48, "epochs": 8}
    assert grid.best_estimator_.model.layers[0].units == 48
    assert grid.score(x, y) > 0.85


def test_clone_get_and_set_params():
    clf = KerasClassifier(build_classifier, hidden=8, epochs=2, verbose=0)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and copy is not clf
    assert clf.set_params(hidden=4).get_params()["hidden"] == 4
    with pytest.raises(ValueError, match="'hiden' is not an argument"):
        clf.set_params(hiden=3)
    with pytest.raises(ValueError, match="'epoch' is not an argument"):
        KerasClassifier(build_classifier, epoch=3)


def test_any_label_values_with_sparse_loss(digits):
    x, y = digits
    names = np.array([f"digit-{d}" for d in range(10)])[y]
    clf = KerasClassifier(build_classifier, hidden=32, loss="sparse_categorical_crossentropy", epochs=8,
                          verbose=0)
    clf.fit(x, names)
    assert list(clf.classes_) == sorted(set(names))
    pred = clf.predict(x)
    assert pred.dtype.kind == "U" and (pred == names).mean() > 0.85
    proba = clf.predict_proba(x[:5])
    assert proba.shape == (5, 10) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert clf.score(x, names) == pytest.approx((pred == names).mean(), abs=1e-6)


def test_binary_sigmoid_output_gives_two_probability_columns(digits):
    x, y = digits
    def build():
        m = pydl.Sequential([Dense(1, activation="sigmoid", input_shape=(64,))])
        m.compile(loss="binary_crossentropy", optimizer=pydl.optimizers.Adam(lr=0.05), metrics=["accuracy"])
        return m
    est = KerasClassifier(build, epochs=20, verbose=0)
    history = est.fit(x, y == 0)  # Keras 2: fit returns the History
    assert len(history.history["loss"]) == 20
    p = est.predict_proba(x[:4])
    assert p.shape == (4, 2) and np.allclose(p.sum(1), 1)
    pred = est.predict(x)
    assert set(pred) <= {False, True} and (pred == (y == 0)).mean() > 0.97


def test_regressor_score_is_minus_the_loss():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 3)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5], "float32") + 0.3

    def build(lr=0.05):
        m = pydl.Sequential([Dense(1, input_shape=(3,))])
        m.compile(loss="mse", optimizer=pydl.optimizers.Adam(lr=lr))
        return m
    reg = KerasRegressor(build, epochs=40, batch_size=32, verbose=0)
    reg.fit(x, y)
    pred = reg.predict(x)
    assert pred.shape == (256,)
    mse = float(((pred - y) ** 2).mean())
    assert mse < 0.01 and reg.score(x, y) == pytest.approx(-mse, rel=1e-3, abs=1e-6)
    assert np.mean(cross_val_score(KerasRegressor(build, epochs=40, verbose=0), x, y, cv=2)) > -0.05


def test_build_fn_must_return_a_model():
    with pytest.raises(TypeError, match="compiled pydl model"):
        KerasRegressor(lambda: 3).fit(np.zeros((2, 1)), np.zeros(2))
