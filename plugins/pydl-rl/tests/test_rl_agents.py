"""pydl-rl agents: one update against a NumPy reference, save/load, tiny end-to-end runs, missing gymnasium."""
import argparse
import sys
from pathlib import Path

import numpy as np
import pytest

from pydl.optimizers import SGD
from pydl.registry import Registrar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs without installing

from pydl_rl.agents import A2C, DQN, DQNAgent, Reinforce
from pydl_rl.plugin import RLPlugin

LR = 0.05


def relu(x):
    return np.maximum(x, 0.0)


def test_registers_the_five_recipes():
    staging = Registrar(RLPlugin.name)
    RLPlugin().register(staging)
    assert sorted(e.key for e in staging.staged) == ["rl.a2c", "rl.double_dqn", "rl.dqn", "rl.dqn_book",
                                                     "rl.reinforce"]


def _batch(rng, n=6):
    return (rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 2, n), rng.standard_normal(n)
            .astype(np.float32), rng.standard_normal((n, 4)).astype(np.float32), (rng.random(n) < 0.3)
            .astype(np.float32))


@pytest.mark.parametrize("double", [False, True])
def test_dqn_update_matches_numpy(double):
    rng = np.random.default_rng(0)
    agent = DQN(4, 2, double=double, hidden=(5,), gamma=0.9, target_every=1000, seed=0)
    agent.optimizer = SGD(learning_rate=LR)
    # a target net different from the online one, so that DQN and Double DQN pick different next actions
    agent.target.set_weights([w + rng.standard_normal(w.shape).astype(np.float32) for w in agent.model.get_weights()])
    s, a, r, s2, d = batch = _batch(rng)
    w1, b1, w2, b2 = [np.asarray(w, np.float64) for w in agent.model.get_weights()]
    t1, c1, t2, c2 = [np.asarray(w, np.float64) for w in agent.target.get_weights()]

    def q(x, w1, b1, w2, b2):
        return relu(x @ w1 + b1) @ w2 + b2
    next_t = q(s2, t1, c1, t2, c2)
    best = q(s2, w1, b1, w2, b2).argmax(1) if double else next_t.argmax(1)
    y = r + 0.9 * (1 - d) * next_t[np.arange(6), best]
    np.testing.assert_allclose(agent.targets(r, s2, d), y, rtol=1e-5, atol=1e-5)
    h = relu(s @ w1 + b1)
    err = (h @ w2 + b2)[np.arange(6), a] - y
    loss = np.mean(np.where(np.abs(err) <= 1, 0.5 * err ** 2, np.abs(err) - 0.5))
    dq = np.zeros((6, 2))
    dq[np.arange(6), a] = np.clip(err, -1, 1) / 6            # d mean Huber / d Q(s, a)
    dh = (dq @ w2.T) * (h > 0)
    expected = [w1 - LR * s.T @ dh, b1 - LR * dh.sum(0), w2 - LR * h.T @ dq, b2 - LR * dq.sum(0)]
    assert agent.learn(batch) == pytest.approx(loss, rel=1e-5)
    for got, want in zip(agent.model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_policy_update_matches_numpy():
    """REINFORCE's loss -mean(log pi(a|s) * (G - V)) + c * mean((V - G)^2) on a linear actor-critic."""
    rng = np.random.default_rng(1)
    agent = Reinforce(4, 3, hidden=(), value_coef=0.5, normalize=False, seed=0)
    agent.optimizer = SGD(learning_rate=LR)
    s, a, g = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5), rng.standard_normal(5)
    wa, ba, wv, bv = [np.asarray(w, np.float64) for w in agent.model.get_weights()]
    logits, v = s @ wa + ba, (s @ wv + bv)[:, 0]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    adv = g - v
    onehot = np.eye(3)[a]
    dlogits = -(onehot - p) * adv[:, None] / 5
    dv = (0.5 * 2 * (v - g) / 5)[:, None]
    expected = [wa - LR * s.T @ dlogits, ba - LR * dlogits.sum(0), wv - LR * s.T @ dv, bv - LR * dv.sum(0)]
    want_loss = -np.mean(np.log(p[np.arange(5), a]) * adv) + 0.5 * np.mean((v - g) ** 2)
    assert agent.update(s, a, g, normalize=False) == pytest.approx(want_loss, rel=1e-5)
    for got, want in zip(agent.model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_book_agent_modes_step_the_weights_and_epsilon():
    """Both modes move the weights by an Adam step and decay epsilon once per train() (targets: the test below)."""
    rng = np.random.default_rng(2)
    agents = [DQNAgent(4, 2, mode=m, seed=5) for m in ("faithful", "batched")]
    agents[1].model.set_weights(agents[0].model.get_weights())
    for _ in range(40):
        s, a, r, s2, d = rng.standard_normal(4), int(rng.integers(2)), 1.0, rng.standard_normal(4), rng.random() < .2
        for agent in agents:
            agent.remember(s, a, r, s2, d)
    before = agents[0].model.get_weights()
    for agent in agents:
        agent.train(32)
        assert agent.epsilon == pytest.approx(0.995)
    # both moved the weights, by updates of the same size (Adam's first steps: about lr per weight)
    for agent in agents:
        delta = max(float(np.abs(w - b).max()) for w, b in zip(agent.model.get_weights(), before))
        assert 5e-4 < delta < 0.05
    with pytest.raises(ValueError, match="mode"):
        DQNAgent(4, 2, mode="fast")


@pytest.mark.parametrize("mode", ["faithful", "batched"])
def test_book_agent_fits_the_notebook_targets(mode, monkeypatch):
    """What train() fits: Q(s) as predicted, with Q(s, a) replaced by r if done else r + gamma * max_a' Q(s', a')."""
    rng = np.random.default_rng(4)
    agent = DQNAgent(4, 2, mode=mode, hidden=(5,), gamma=0.8, seed=5)
    for _ in range(40):
        agent.remember(rng.standard_normal(4), int(rng.integers(2)), float(rng.standard_normal()),
                       rng.standard_normal(4), rng.random() < 0.3)
    sampled, fitted = [], []
    sample = agent.memory.sample
    monkeypatch.setattr(agent.memory, "sample", lambda n: sampled.append(sample(n)) or sampled[-1])
    # fit records and does not update, so both modes see the same weights throughout
    monkeypatch.setattr(agent.model, "fit", lambda x, y, **kw: fitted.append((np.array(x), np.array(y))))
    agent.train(32)
    s, a, r, s2, d = (np.asarray(v, np.float64) for v in sampled[0])
    assert 0 < d.sum() < 32                     # both kinds of transition are in the batch
    w1, b1, w2, b2 = (np.asarray(w, np.float64) for w in agent.model.get_weights())

    def q(x):
        return relu(x @ w1 + b1) @ w2 + b2
    want = q(s)
    a = a.astype(int)
    want[np.arange(32), a] = np.where(d == 1, r, r + 0.8 * q(s2).max(axis=1))
    assert len(fitted) == (32 if mode == "faithful" else 1)      # one fit per transition, or one on the batch
    x, y = (np.concatenate(v) for v in zip(*fitted))
    np.testing.assert_allclose(x, s, rtol=1e-6)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    assert agent.epsilon == pytest.approx(0.995)


def _same_outputs(a, b, states):
    from pydl_rl.step import forward
    x, y = forward(a, states), forward(b, states)
    x, y = (x, y) if isinstance(x, list) else ([x], [y])
    assert len(x) == len(y)
    for u, v in zip(x, y):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("make", [lambda s: DQNAgent(4, 2, seed=s), lambda s: DQN(4, 2, seed=s),
                                  lambda s: Reinforce(4, 2, seed=s), lambda s: A2C(4, 2, seed=s)],
                         ids=["book", "dqn", "reinforce", "a2c"])
def test_save_load_round_trip(tmp_path, make):
    states = np.random.default_rng(3).standard_normal((7, 4)).astype(np.float32)
    agent, other = make(0), make(1)
    path = tmp_path / "agent.pydl"
    agent.save(str(path))
    with open(path, "rb") as f:
        assert f.read(2) == b"PK"       # pydl's data-only container, not a pickle
    other.load(str(path))
    _same_outputs(agent.model, other.model, states)
    if isinstance(other, DQN):
        _same_outputs(agent.model, other.target, states)


class _TimeLimitedPair:
    """Two CartPoles cut at 3 steps by gymnasium's time limit; env 1 reports its cut as a termination instead, so
    one rollout holds both kinds of episode end. Records what each step returned."""

    def __init__(self, gym):
        self.envs = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync", max_episode_steps=3,
                                 vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP})
        self.steps = []

    def reset(self, seed=None):
        return self.envs.reset(seed=seed)

    def step(self, actions):
        obs, rewards, terminated, truncated, info = self.envs.step(actions)
        terminated, truncated = terminated.copy(), truncated.copy()
        terminated[1], truncated[1] = terminated[1] | truncated[1], False
        self.steps.append((obs, rewards, terminated, truncated, info))
        return obs, rewards, terminated, truncated, info


def test_a2c_bootstraps_a_time_limit_cut_but_not_a_termination(monkeypatch):
    """G_t = r_t + gamma * (G_{t+1}, or V(final obs) where the time limit cut the episode, or 0 where it ended),
    from V(obs after the rollout) at its end."""
    gym = pytest.importorskip("gymnasium")
    from pydl_rl.train import run_a2c
    agent = A2C(4, 2, n_envs=2, n_steps=4, hidden=(), gamma=0.9, seed=0)
    returns = []
    monkeypatch.setattr(agent, "update", lambda s, a, g, normalize: returns.append(np.array(g, np.float64)))
    envs = _TimeLimitedPair(gym)
    history = run_a2c(agent, envs, episodes=2, seed=0)
    envs.envs.close()
    assert history.scores == [3.0, 3.0] and len(returns) == 1 and len(envs.steps) == 4
    _, _, wv, bv = (np.asarray(w, np.float64) for w in agent.model.get_weights())

    def value(x):
        return (np.asarray(x, np.float64) @ wv + bv)[..., 0]
    assert [bool(t[3][0]) for t in envs.steps] == [False, False, True, False]     # env 0: cut at step 3
    assert [bool(t[2][1]) for t in envs.steps] == [False, False, True, False]     # env 1: "terminated" there
    final = envs.steps[2][4]["final_obs"]
    assert abs(value(final[0])) > 1e-2                  # the bootstrap term is not negligible
    want = np.zeros((4, 2))
    after = value(envs.steps[3][0])                     # V of the states after the rollout
    for t in reversed(range(4)):
        for e in range(2):
            _, r, term, trunc, _ = envs.steps[t]
            nxt = value(final[e]) if trunc[e] else 0.0 if term[e] else (after[e] if t == 3 else want[t + 1, e])
            want[t, e] = r[e] + 0.9 * nxt
    np.testing.assert_allclose(returns[0], want.reshape(-1), rtol=1e-5)


def _args(**kw):
    base = {"seed": 0, "episodes": 12, "env": "CartPole-v1", "verbose": 0, "stop_when_solved": False, "mode": "batched", "plot": None,
                "gif": None, "save": None, "epochs": None, "batch_size": None, "threads": None}
    return argparse.Namespace(**{**base, **kw})


def test_tiny_end_to_end_runs(tmp_path, capsys):
    from pydl_rl.recipes.agents import make
    plot = tmp_path / "scores.png"
    result = make("dqn_book")(_args(mode="faithful", plot=str(plot)))
    assert result["episodes"] == 12 and result["solved_at"] is None and result["env_steps"] == sum(result["scores"])
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert "not solved" in capsys.readouterr().out
    again = make("dqn_book")(_args(mode="faithful"))
    assert again["scores"] == result["scores"]       # same seed, same run
    for name in ("double_dqn", "reinforce", "a2c"):
        out = make(name)(_args(episodes=10))
        printed = capsys.readouterr().out
        assert f"rl.{name} on CartPole-v1: 10 episodes, {out['env_steps']:,} env steps" in printed
        assert "not solved: no 100 consecutive episodes" in printed
        scores = np.array(out["scores"])
        # CartPole pays 1 per step: scores are episode lengths, 8 to 500 steps, and differ from episode to episode
        assert len(scores) == 10 and np.all(scores == np.round(scores)) and np.all((scores >= 8) & (scores <= 500))
        assert len(set(out["scores"])) > 1 and out["best_score"] == scores.max()
        if name == "a2c":   # 8 envs stepped together: steps of unfinished episodes count too
            assert out["env_steps"] % 8 == 0 and out["env_steps"] >= scores.sum()
        else:
            assert out["env_steps"] == scores.sum()
        assert make(name)(_args(episodes=10))["scores"] == out["scores"]            # same seed, same run
        assert make(name)(_args(episodes=10, seed=1))["scores"] != out["scores"]    # the seed is used
        capsys.readouterr()


def test_gif_of_a_greedy_episode(tmp_path):
    pytest.importorskip("pygame")
    from pydl_rl.plots import record_episode, save_gif
    frames, score = record_episode(DQN(4, 2, seed=0), max_steps=20)
    assert len(frames) == min(score, 20) and frames[0].shape[2] == 3
    path = save_gif(frames, str(tmp_path / "run.gif"))
    with open(path, "rb") as f:
        assert f.read(6) == b"GIF89a"


def test_bad_environments_are_named():
    from pydl_rl.envs import make_env
    with pytest.raises(ValueError, match="discrete actions; Pendulum-v1"):
        make_env("Pendulum-v1")
    with pytest.raises(ValueError, match="NoSuchEnv-v0"):
        make_env("NoSuchEnv-v0")


def test_missing_gymnasium_names_the_extra(monkeypatch):
    from pydl_rl.recipes.agents import make
    monkeypatch.setitem(sys.modules, "gymnasium", None)   # import gymnasium now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'pydl-rl\[gym\]'"):
        make("dqn")(_args())


def test_keep_best_restores_the_weights_of_the_best_stretch():
    from pydl_rl.train import History, KeepBest
    agent = DQN(4, 2, hidden=(3,), seed=0)
    keep = KeepBest(agent, window=2, start=1)
    history = History(scores=[10.0])
    keep(history)
    best = agent.model.get_weights()
    agent.model.set_weights([w + 1 for w in best])
    history.scores.append(5.0)           # mean of the last 2: 7.5 < 10, not kept
    keep(history)
    assert keep.restore() == 1 and keep.mean == 10.0
    for got, want in zip(agent.target.get_weights(), best):
        np.testing.assert_array_equal(got, want)
