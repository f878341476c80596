"""kernel_constraint / recurrent_constraint / bias_constraint on SimpleRNN, LSTM, GRU and through Bidirectional: the
optimizer projects the weights after each update (fit), the configs hold them (so Bidirectional's backward copy and
saved models keep them), and a bad name fails when the layer is made."""
import numpy as np
import pytest

import pydl
from pydl import constraints
from pydl.layers import GRU, LSTM, Bidirectional, Dense, SimpleRNN
from pydl.models import Sequential, load_model
from pydl.optimizers import SGD

RNNS = {"simple": SimpleRNN, "lstm": LSTM, "gru": GRU}


def _data():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((32, 5, 3)).astype("float32")
    return x, -3 - np.abs(x.sum(axis=(1, 2)))[:, None].astype("float32")  # negative targets: pull weights down


def _fit(layer, lr=0.2):
    pydl.manual_seed(0)
    model = Sequential([layer, Dense(1, kernel_initializer="ones")])
    model.compile(SGD(lr=lr), "mse")
    model.fit(*_data(), epochs=2, batch_size=8, verbose=0)
    return model


def _rnns(layer):
    return [layer.forward_layer, layer.backward_layer] if isinstance(layer, Bidirectional) else [layer]


def _norms(w):
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=0))


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "bidirectional"])
@pytest.mark.parametrize("constrained", [True, False])
def test_non_neg_recurrent_kernel_and_max_norm_kernel_hold_after_fit(kind, constrained):
    kw = dict(recurrent_constraint="non_neg", kernel_constraint=constraints.MaxNorm(0.3)) if constrained else {}
    make = RNNS.get(kind, GRU)
    layer = make(4, input_shape=(5, 3), **kw)
    layer = Bidirectional(layer) if kind == "bidirectional" else layer
    model = _fit(layer)
    for rnn in _rnns(model.layers[0]):
        kernel, recurrent = rnn.get_weights()[:2]
        if constrained:
            assert recurrent.min() >= 0 and recurrent.max() > 0
            assert _norms(kernel).max() <= 0.3 + 1e-5
            assert kernel.min() < 0  # only the recurrent kernel is non-negative
        else:  # the data (and the init) do violate both
            assert recurrent.min() < 0 and _norms(kernel).max() > 0.5


def test_bias_constraint_applies_to_grus_two_bias_rows():
    model = _fit(GRU(3, input_shape=(5, 3), reset_after=True, bias_constraint="non_neg"))
    bias = model.layers[0].get_weights()[2]
    assert bias.shape == (2, 9) and bias.min() >= 0
    free = _fit(GRU(3, input_shape=(5, 3), reset_after=True)).layers[0].get_weights()[2]
    assert free.min() < 0


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_configs_round_trip_the_constraints(kind):
    layer = RNNS[kind](2, kernel_constraint=constraints.MinMaxNorm(0.5, 2.0, rate=0.5),
                       recurrent_constraint="unit_norm", bias_constraint=constraints.NonNeg())
    config = layer.get_config()
    assert config["kernel_constraint"] == {"class_name": "MinMaxNorm",
                                           "config": {"min_value": 0.5, "max_value": 2.0, "rate": 0.5, "axis": 0}}
    assert config["recurrent_constraint"] == {"class_name": "UnitNorm", "config": {"axis": 0}}
    assert config["bias_constraint"] == {"class_name": "NonNeg", "config": {}}
    back = type(layer).from_config(config)
    assert back.get_config() == config
    assert RNNS[kind](2).get_config()["recurrent_constraint"] is None
    bi = Bidirectional(RNNS[kind](2, recurrent_constraint=constraints.MaxNorm(1.5)))
    assert bi.backward_layer.recurrent_constraint.max_value == 1.5  # the copy is made from the config


@pytest.mark.parametrize("suffix", [".pydl", ".keras", ".h5"])
def test_saved_models_keep_the_constraints(tmp_path, suffix):
    if suffix == ".h5":
        pytest.importorskip("h5py")
    lstm = LSTM(3, recurrent_constraint="non_neg", bias_constraint=constraints.MaxNorm(0.7))
    model = Sequential([Bidirectional(lstm, input_shape=(5, 3)), Dense(1)])
    model.save(tmp_path / f"m{suffix}")
    back = load_model(tmp_path / f"m{suffix}")
    for rnn in _rnns(back.layers[0]):
        assert isinstance(rnn.recurrent_constraint, constraints.NonNeg)
        assert rnn.bias_constraint.max_value == 0.7 and rnn.kernel_constraint is None
    back.compile(SGD(lr=0.2), "mse")
    back.fit(*_data(), epochs=1, batch_size=8, verbose=0)  # the loaded model's weights are projected too
    assert all(rnn.get_weights()[1].min() >= 0 for rnn in _rnns(back.layers[0]))


@pytest.mark.parametrize("make", [SimpleRNN, LSTM, GRU])
def test_unknown_constraint_fails_when_the_layer_is_made(make):
    with pytest.raises(ValueError, match="Unknown constraint 'nonneg'"):
        make(2, recurrent_constraint="nonneg")
    with pytest.raises(ValueError, match="Unknown constraint 'Bogus'"):
        make.from_config(dict(make(2).get_config(), kernel_constraint={"class_name": "Bogus", "config": {}}))
    with pytest.raises(TypeError, match="cannot interpret 3 as a constraint"):
        make(2, bias_constraint=3)


def test_bidirectional_backward_copy_keeps_a_plain_function_constraint():
    # a lambda has no config, so the backward copy (made from the forward layer's config) takes the same function
    clip = lambda w: pydl.ops.clip(w, 0.0, 0.05)  # noqa: E731
    bi = Bidirectional(LSTM(3, kernel_constraint=clip))
    assert bi.forward_layer.kernel_constraint is clip and bi.backward_layer.kernel_constraint is clip
