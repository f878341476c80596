"""kernel_constraint / bias_constraint: the projections match Keras's formulas (NumPy reference) and the optimizer
applies them after every update, in fit() and in apply_gradients."""
import numpy as np
import pytest

import pydl
from pydl import constraints
from pydl.layers import Conv2D, Dense
from pydl.models import Sequential
from pydl.optimizers import SGD


def np_norms(w, axis):
    return np.sqrt(np.sum(w.astype(np.float64) ** 2, axis=axis, keepdims=True))


W = np.random.default_rng(0).standard_normal((5, 4)).astype("float32") * 2


@pytest.mark.parametrize("c, ref", [
    (constraints.MaxNorm(1.5), lambda w: w * np.clip(np_norms(w, 0), 0, 1.5) / (np_norms(w, 0) + 1e-7)),
    (constraints.MaxNorm(1.5, axis=1), lambda w: w * np.clip(np_norms(w, 1), 0, 1.5) / (np_norms(w, 1) + 1e-7)),
    (constraints.NonNeg(), lambda w: np.maximum(w, 0)),
    (constraints.UnitNorm(), lambda w: w / (np_norms(w, 0) + 1e-7)),
    (constraints.MinMaxNorm(1.0, 2.0, rate=0.5),
     lambda w: w * (0.5 * np.clip(np_norms(w, 0), 1, 2) + 0.5 * np_norms(w, 0)) / (np_norms(w, 0) + 1e-7)),
], ids=["maxnorm", "maxnorm-axis1", "nonneg", "unitnorm", "minmaxnorm"])
def test_projection_matches_keras_formula(c, ref):
    np.testing.assert_allclose(np.asarray(c(pydl.tensor(W))), ref(W), rtol=1e-5, atol=1e-6)


def test_get_names_configs_and_bad_values():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert constraints.get(None) is None
    c = constraints.get(constraints.serialize(constraints.MinMaxNorm(0.5, 3.0, 0.25, axis=[0, 1])))
    assert (c.min_value, c.max_value, c.rate, c.axis) == (0.5, 3.0, 0.25, [0, 1])
    assert isinstance(constraints.get(constraints.NonNeg), constraints.NonNeg)  # a class is instantiated
    with pytest.raises(ValueError, match="Unknown constraint 'maxnorm'"):
        Dense(2, kernel_constraint="maxnorm")
    with pytest.raises(ValueError, match="max_value must be >= 0"):
        constraints.MaxNorm(-1)
    with pytest.raises(ValueError, match="min_value <= max_value"):
        constraints.MinMaxNorm(2, 1)


def _data(n=64):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 6)).astype("float32")
    return x, (x @ rng.standard_normal((6, 3)) * 5).astype("float32")


def test_fit_applies_kernel_and_bias_constraints_after_each_update():
    pydl.utils.set_random_seed(0)
    x, y = _data()
    # a large learning rate pushes the unconstrained weights far outside both constraints
    model = Sequential([Dense(3, input_shape=(6,), kernel_constraint=constraints.MaxNorm(0.5),
                              bias_constraint="non_neg")])
    free = Sequential([Dense(3, input_shape=(6,))])
    for m in (model, free):
        m.compile(SGD(lr=0.5), "mse")
        m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    assert np_norms(kernel, 0).max() <= 0.5 + 1e-5
    assert bias.min() >= 0
    k_free, b_free = free.layers[0].get_weights()
    assert np_norms(k_free, 0).max() > 1 and b_free.min() < 0  # the test data do violate both


def test_apply_gradients_projects_too_and_conv_kernels_use_their_axes():
    layer = Conv2D(2, 3, input_shape=(5, 5, 1), kernel_constraint=constraints.UnitNorm(axis=[0, 1, 2]))
    model = Sequential([layer])
    kernel = layer.weights[0]
    opt = SGD(lr=1.0)
    opt.apply_gradients([(pydl.ones(tuple(kernel.shape)), kernel)])
    np.testing.assert_allclose(np_norms(np.asarray(kernel), (0, 1, 2)).ravel(), [1, 1], rtol=1e-5)
    assert model.get_config()["layers"][-1]["config"]["kernel_constraint"]["class_name"] == "UnitNorm"


def test_constrained_model_saves_and_loads(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,), kernel_constraint=constraints.MaxNorm(1.25))])
    model.save(tmp_path / "m.pydl")
    back = pydl.models.load_model(tmp_path / "m.pydl")
    assert back.layers[0].kernel_constraint.max_value == 1.25


@pytest.mark.parametrize("constrained", [False, True])
def test_batch_norm_gamma_and_beta_constraints(constrained):
    """BatchNormalization's beta/gamma constraints project after each update (they were accepted and ignored)."""
    from pydl.layers import BatchNormalization
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = -np.abs(rng.standard_normal((64, 3))).astype("float32") * 5  # pulls beta and gamma negative
    kw = dict(gamma_constraint="non_neg", beta_constraint=constraints.NonNeg()) if constrained else {}
    pydl.manual_seed(0)
    m = Sequential([BatchNormalization(input_shape=(3,), **kw)])
    m.compile(optimizer=SGD(0.1), loss="mse")
    m.fit(x, y, epochs=5, batch_size=16, verbose=0)
    gamma, beta = m.layers[0].get_weights()[:2]
    if constrained:
        assert gamma.min() >= 0 and beta.min() >= 0
        config = m.layers[0].get_config()
        assert config["gamma_constraint"] == {"class_name": "NonNeg", "config": {}} == config["beta_constraint"]
        assert BatchNormalization.from_config(config).beta_constraint.get_config() == {}
    else:
        assert beta.min() < 0  # the data does pull them negative


def test_embedding_constraint_is_saved_in_its_config():
    from pydl.layers import Embedding
    config = Embedding(5, 2, embeddings_constraint="unit_norm").get_config()
    assert config["embeddings_constraint"] == {"class_name": "UnitNorm", "config": {"axis": 0}}
    assert isinstance(Embedding.from_config(config).embeddings_constraint, constraints.UnitNorm)
