"""Exploration schedules and the return arithmetic of policy-gradient methods (NumPy, float64 inside)."""
import numpy as np


class EpsilonDecay:
    """The book's epsilon-greedy schedule: start at `start`, multiply by `decay` after each replay while above
    `minimum` (1.0 x 0.995 -> 0.01 reaches the floor after 919 steps of decay)."""

    def __init__(self, start=1.0, decay=0.995, minimum=0.01):
        if not (0 <= minimum <= start <= 1) or not (0 < decay <= 1):
            raise ValueError(f"EpsilonDecay: need 0 <= minimum <= start <= 1 and 0 < decay <= 1, got start={start}, "
                             f"decay={decay}, minimum={minimum}")
        self.value, self.decay, self.minimum = float(start), float(decay), float(minimum)

    def step(self):
        if self.value > self.minimum:
            self.value *= self.decay
        return self.value


class LinearEpsilon:
    """Linear from `start` to `end` over `steps` calls of step(), then constant (DQN as in SB3 and CleanRL)."""

    def __init__(self, start=1.0, end=0.05, steps=10_000):
        if steps < 1 or not (0 <= end <= 1 and 0 <= start <= 1):
            raise ValueError(f"LinearEpsilon: need steps >= 1 and start, end in [0, 1], got {start}, {end}, {steps}")
        self.start, self.end, self.steps, self.t = float(start), float(end), int(steps), 0
        self.value = self.start

    def step(self):
        self.t += 1
        frac = min(self.t / self.steps, 1.0)
        self.value = self.start + frac * (self.end - self.start)
        return self.value


def discounted_returns(rewards, gamma, dones=None, bootstrap=0.0):
    """G_t = r_t + gamma * G_{t+1}, restarting after each done; `bootstrap` is the value after the last step
    (0 for a finished episode, V(s_T) for a cut rollout)."""
    rewards = np.asarray(rewards, np.float64)
    dones = np.zeros(len(rewards)) if dones is None else np.asarray(dones, np.float64)
    if dones.shape != rewards.shape:
        raise ValueError(f"discounted_returns: rewards {rewards.shape} and dones {dones.shape} differ in shape")
    if not 0 <= gamma <= 1:
        raise ValueError(f"discounted_returns: gamma must be in [0, 1], got {gamma}")
    out = np.empty_like(rewards)
    running = float(bootstrap)
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        out[t] = running
    return out


def advantages(returns, values, normalize=False):
    """A_t = G_t - V(s_t); with `normalize`, scaled to mean 0 and standard deviation 1 (when it is not 0)."""
    returns, values = np.asarray(returns, np.float64), np.asarray(values, np.float64).reshape(-1)
    if returns.shape != values.shape:
        raise ValueError(f"advantages: returns {returns.shape} and values {values.shape} differ in shape")
    adv = returns - values
    if normalize and len(adv) > 1:
        std = adv.std()
        adv = (adv - adv.mean()) / (std if std > 1e-8 else 1.0)
    return adv
