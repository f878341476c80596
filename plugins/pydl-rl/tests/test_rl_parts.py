"""The pieces of pydl-rl against hand-computed values: replay buffer, epsilon schedules, returns, advantages."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs without installing

from pydl_rl.replay import ReplayBuffer
from pydl_rl.schedules import (
    EpsilonDecay,
    LinearEpsilon,
    advantages,
    discounted_returns,
)
from pydl_rl.train import solved_at


def filled(capacity, n, seed=0):
    buf = ReplayBuffer(capacity, 2, seed=seed)
    for i in range(n):
        buf.add([i, -i], i % 3, float(i), [i + 1, -i - 1], i % 4 == 0)
    return buf


def test_replay_wraps_around_keeping_the_newest():
    buf = filled(5, 8)
    assert len(buf) == 5 and buf.position == 3
    # slots 0..2 were overwritten by transitions 5, 6, 7; slots 3, 4 still hold 3, 4
    np.testing.assert_array_equal(buf.states[:, 0], [5, 6, 7, 3, 4])
    np.testing.assert_array_equal(buf.rewards, [5, 6, 7, 3, 4])
    np.testing.assert_array_equal(buf.next_states[:, 1], [-6, -7, -8, -4, -5])
    np.testing.assert_array_equal(buf.actions, [2, 0, 1, 0, 1])
    np.testing.assert_array_equal(buf.dones, [0, 0, 0, 0, 1])


def test_replay_samples_every_stored_transition_equally():
    buf = filled(10, 25, seed=3)   # holds transitions 15..24
    for replace in (False, True):
        counts = np.zeros(25)
        for _ in range(2000):
            s, _a, r, s2, _d = buf.sample(4, replace=replace)
            np.testing.assert_array_equal(s[:, 0], r)          # fields of one transition stay together
            np.testing.assert_array_equal(s2[:, 0], r + 1)
            if not replace:
                assert len(set(r)) == 4                         # without replacement: no repeats in a batch
            np.add.at(counts, r.astype(int), 1)
        assert counts[:15].sum() == 0                           # overwritten transitions are never drawn
        # 8,000 draws over 10 slots: 800 each, binomial sd ~27; 5 sd either way
        assert np.abs(counts[15:] - 800).max() < 135, counts[15:]


def test_replay_rejects_bad_requests():
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(0, 4)
    buf = filled(10, 3)
    with pytest.raises(ValueError, match="3 stored"):
        buf.sample(4)
    assert buf.sample(4, replace=True)[0].shape == (4, 2)
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(4, 2).sample(1, replace=True)


def test_replay_is_reproducible_from_its_seed():
    a, b = filled(50, 80, seed=7), filled(50, 80, seed=7)
    np.testing.assert_array_equal(a.sample(16)[2], b.sample(16)[2])


def test_book_epsilon_schedule():
    eps = EpsilonDecay(1.0, 0.995, 0.01)
    assert eps.step() == pytest.approx(0.995)
    assert eps.step() == pytest.approx(0.990025)
    values = [eps.step() for _ in range(2000)]
    # decays while above 0.01: 0.995**919 = 0.00998 is the first value below, and it stays there
    assert values[916] == pytest.approx(0.995 ** 919)
    assert values[915] > 0.01 > values[916] == values[-1]
    with pytest.raises(ValueError, match="decay"):
        EpsilonDecay(1.0, 1.5, 0.01)


def test_linear_epsilon_schedule():
    eps = LinearEpsilon(1.0, 0.1, 10)
    got = [eps.step() for _ in range(12)]
    assert got[4] == pytest.approx(0.55) and got[9] == pytest.approx(0.1) and got[11] == pytest.approx(0.1)


def test_discounted_returns_by_hand():
    np.testing.assert_allclose(discounted_returns([1, 1, 1], 0.5), [1.75, 1.5, 1.0])
    # a done at t=1 cuts the return there; the bootstrap value 2 counts only after the last step
    np.testing.assert_allclose(discounted_returns([1, 1, 1], 0.5, dones=[0, 1, 0], bootstrap=2.0), [1.5, 1.0, 2.0])
    np.testing.assert_allclose(discounted_returns([0, 0, 3], 0.9), [2.43, 2.7, 3.0])
    with pytest.raises(ValueError, match="shape"):
        discounted_returns([1, 2], 0.9, dones=[0])


def test_advantages_by_hand():
    np.testing.assert_allclose(advantages([1.75, 1.5, 1.0], [1.0, 2.0, 0.5]), [0.75, -0.5, 0.5])
    a = advantages([1.75, 1.5, 1.0], [1.0, 2.0, 0.5], normalize=True)
    np.testing.assert_allclose(a, (np.array([0.75, -0.5, 0.5]) - 0.25) / np.std([0.75, -0.5, 0.5]))
    with pytest.raises(ValueError, match="shape"):
        advantages([1, 2], [1, 2, 3])


def test_a2c_nstep_returns_per_env():
    from pydl_rl.agents import A2C
    agent = A2C(4, 2, n_envs=2, n_steps=3, gamma=0.5)
    rewards = np.array([[1, 0], [1, 0], [1, 4]], float)
    dones = np.array([[0, 0], [1, 0], [0, 0]], float)
    got = agent.nstep_returns(rewards, dones, last_values=np.array([2.0, 8.0]))
    # env 0: 1 + .5 * 1 = 1.5, 1 (done), 1 + .5 * 2 = 2; env 1: .5 * .5 * (4 + .5 * 8) = 2, 4, 8
    np.testing.assert_allclose(got, [[1.5, 2.0], [1.0, 4.0], [2.0, 8.0]])


def test_solved_rule():
    assert solved_at([200.0] * 99) is None
    assert solved_at([200.0] * 100) == 100
    assert solved_at([0.0] * 50 + [195.0] * 100) == 150
    assert solved_at([100.0] * 10 + [196.0] * 100) == 109   # episodes 10..109: (100 + 99 * 196) / 100 = 195.04
