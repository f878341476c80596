"""`pydl bench --models`: the hand-written NumPy networks match pydl's training, and the suite produces rows."""
import argparse
import importlib.util
import json

import numpy as np
import pytest

import pydl
from pydl.bench import runner
from pydl.bench.suites import DEFAULT, SUITES, models, text_models
from pydl.bench.suites.numpy_mlp import NumpyMLP


@pytest.mark.parametrize("name", ["shallow net", "interm. net", "deep net"])
def test_numpy_reference_trains_like_pydl(name):
    """One epoch from the same weights changes them the same way (Dropout off: its masks cannot match)."""
    spec = dict(models.NETS[name], dropout=0.0)
    rng = np.random.default_rng(1)
    x = rng.random((256, models.FEATURES), dtype=np.float32)
    y = np.eye(models.CLASSES, dtype=np.float32)[rng.integers(0, models.CLASSES, 256)]
    weights = models.initial_weights(spec, rng)
    start = models._trainable(spec, weights)
    model = models.keras_style(pydl, spec, weights)
    assert model.count_params() == sum(w.size for w in weights)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    net = NumpyMLP(spec, weights)
    net.fit_epoch(x, y, 32)
    got, want = models._trainable(spec, model.get_weights()) - start, models._trainable(spec, net.params) - start
    assert np.abs(want).max() > 1e-4  # the epoch did change the weights
    # Adam scales each update by 1/sqrt(v): for the few weights whose gradient is all rounding noise, it makes a
    # visible step out of a difference in the 7th digit; every other weight must agree closely
    err, scale = np.abs(got - want), np.abs(want).max()
    assert np.mean(err <= 2e-3 * scale) >= 0.999 and err.max() <= 0.05 * scale, (err.max() / scale)
    if spec["bn"]:  # the moving statistics follow the same path as well
        np.testing.assert_allclose(model.get_weights()[4], net.params[4], rtol=1e-3, atol=1e-5)


def test_models_suite_runs_quick(tmp_path):
    assert "models" in SUITES and "models" not in DEFAULT  # opt-in: `pydl bench --models`
    out = tmp_path / "models.json"
    assert runner.run(["models"], [1], 1, True, str(out)) == 0
    rows = json.loads(out.read_text())["results"]
    dqn = {"book DQN faithful", "book DQN batched"} if importlib.util.find_spec("gymnasium") else set()
    text = {f"{name} (ch11)" for name in text_models.NETS}
    assert {r["op"] for r in rows} == set(models.NETS) | {"lenet-5"} | dqn | text
    assert len(rows) == 2 * len(models.NETS) + 1 + len(dqn) + len(text)
    for r in rows:
        assert r["unit"] in ("k samples/s", "steps/s") and r["rate"]["pydl"] > 0
        assert (r["rate"].get("numpy", 0) > 0) == (r["op"] not in text)  # the chapter 11 nets have no NumPy version
        assert all(err is not None and err <= r["tol"] for err in r["check"].values()), r["check"]


def test_models_flag_selects_the_suite(monkeypatch):
    seen = []
    monkeypatch.setattr(runner, "run", lambda ops, *a, **k: seen.append(ops) or 0)
    base = dict(threads="1", repeats=None, quick=True, json=None, plot=None)
    runner.main(argparse.Namespace(ops=None, models=True, **base))
    runner.main(argparse.Namespace(ops="matmul", models=True, **base))
    runner.main(argparse.Namespace(ops=None, models=False, **base))
    assert seen == [["models"], ["matmul", "models"], DEFAULT]


@pytest.mark.parametrize("faithful", [True, False])
def test_numpy_dqn_agent_trains_like_pydl(faithful):
    """The book's agent loop (pydl bench --models, rows "book DQN"): NumPy's hand-written Q-network ends with the
    weights pydl's predict/fit ends with, over the same 120 CartPole steps (several replays of 32)."""
    gym = pytest.importorskip("gymnasium")
    from pydl.bench.suites import dqn_agent
    weights = dqn_agent.initial_weights(np.random.default_rng(1))
    start = np.concatenate([w.ravel() for w in weights]).astype(np.float64)
    got = dqn_agent.play(gym, dqn_agent.keras_agent(pydl, weights), 120, faithful) - start
    want = dqn_agent.play(gym, dqn_agent.numpy_agent(weights), 120, faithful) - start
    assert np.abs(want).max() > 1e-3   # the replays changed the weights
    np.testing.assert_allclose(got, want, atol=1e-5 * np.abs(want).max() + 1e-7)
