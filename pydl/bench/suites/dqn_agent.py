"""The book's DQN agent on CartPole (ch 13), in `pydl bench --models`: environment steps per second including
training, for the notebook's loop in pydl, PyTorch eager, Keras (when installed) and NumPy (the reference).

The agent: Dense 32-32-2 (relu, linear), MSE, Adam(0.001); replay memory of 2,000; after each episode a replay of
32 sampled transitions. "faithful" replays them as the notebook does, one transition at a time (predict next
state, predict state, fit on one sample: the pattern that made Keras slow); "batched" does one predict on the 32
next states, one on the 32 states and one fit on the batch of 32 (pydl-rl's default mode). Every step also
evaluates the Q-network on the current state, as acting greedily does; the actions themselves follow a scripted
random sequence (epsilon = 1, the start of the book's training) so that every library sees the same transitions
and the check can compare the weights each one ends with. Rows appear only when gymnasium is importable.
"""
import numpy as np

import pydl

from ..case import Case
from .numpy_mlp import NumpyNet

HIDDEN, GAMMA, MEMORY, BATCH, LR = (32, 32), 0.95, 2000, 32, 0.001


def initial_weights(rng, sizes=(4, 32, 32, 2)):
    out = []
    for fan_in, units in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6 / (fan_in + units))
        out += [rng.uniform(-limit, limit, (fan_in, units)).astype(np.float32), np.zeros(units, np.float32)]
    return out


class NumpyQ(NumpyNet):
    """The Q-network by hand: relu layers, linear output, MSE over the outputs, Keras's Adam."""

    def predict(self, x):
        for i in range(0, len(self.params) - 2, 2):
            x = np.maximum(x @ self.params[i] + self.params[i + 1], 0)
        return x @ self.params[-2] + self.params[-1]

    def fit(self, x, y):
        acts = [x]
        for i in range(0, len(self.params) - 2, 2):
            acts.append(np.maximum(acts[-1] @ self.params[i] + self.params[i + 1], 0))
        out = acts[-1] @ self.params[-2] + self.params[-1]
        d = (2.0 / out.size) * (out - y)
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 2, -1, -2):
            grads[i], grads[i + 1] = acts[i // 2].T @ d, d.sum(0)
            if i:
                d = (d @ self.params[i].T) * (acts[i // 2] > 0)
        self.adam(grads, LR)


def keras_agent(lib, weights):
    model = lib.models.Sequential([lib.layers.Dense(HIDDEN[0], activation="relu", input_shape=(4,)),
                                   lib.layers.Dense(HIDDEN[1], activation="relu"), lib.layers.Dense(2)])
    model.compile(loss="mse", optimizer=lib.optimizers.Adam(learning_rate=LR))
    model.set_weights(weights)
    return (lambda x: model.predict(x, verbose=0),
            lambda x, y: model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False),
            model.get_weights)


def torch_agent(torch, weights):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(4, HIDDEN[0]), nn.ReLU(), nn.Linear(HIDDEN[0], HIDDEN[1]), nn.ReLU(),
                          nn.Linear(HIDDEN[1], 2))
    with torch.no_grad():  # Keras kernels are (in, out), torch's (out, in)
        for t, w in zip(model.parameters(), weights):
            t.copy_(torch.from_numpy(np.ascontiguousarray(w.T if w.ndim == 2 else w)))
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-7)

    def predict(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    def fit(x, y):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        loss.item()  # fit() reports the loss

    def get_weights():
        return [p.detach().numpy().T if p.ndim == 2 else p.detach().numpy() for p in model.parameters()]
    return predict, fit, get_weights


def numpy_agent(weights):
    net = NumpyQ(weights)
    return net.predict, net.fit, lambda: net.params


def play(gym, agent, steps, faithful, seed=0):
    """`steps` environment steps of the notebook's loop; returns the Q-network's weights, flattened."""
    predict, fit, get_weights = agent
    env = gym.make("CartPole-v1")
    rng = np.random.default_rng(seed)
    s_mem, s2_mem = np.zeros((MEMORY, 4), np.float32), np.zeros((MEMORY, 4), np.float32)
    a_mem, r_mem, d_mem = np.zeros(MEMORY, np.int64), np.zeros(MEMORY, np.float32), np.zeros(MEMORY, bool)
    stored = 0
    obs, _ = env.reset(seed=seed)
    state = np.asarray(obs, np.float32)
    for _ in range(steps):
        predict(state[None])                       # the greedy evaluation of act()
        action = int(rng.integers(2))              # the scripted exploration (see the module docstring)
        obs, reward, terminated, truncated, _ = env.step(action)
        i = stored % MEMORY
        s_mem[i], a_mem[i], s2_mem[i], d_mem[i] = state, action, obs, terminated
        r_mem[i] = -10.0 if terminated else reward
        stored += 1
        state = np.asarray(obs, np.float32)
        if terminated or truncated:
            if stored > BATCH:
                idx = rng.choice(min(stored, MEMORY), BATCH, replace=False)
                replay(predict, fit, s_mem[idx], a_mem[idx], r_mem[idx], s2_mem[idx], d_mem[idx], faithful)
            obs, _ = env.reset()
            state = np.asarray(obs, np.float32)
    env.close()
    return np.concatenate([np.asarray(w, np.float64).ravel() for w in get_weights()])


def replay(predict, fit, s, a, r, s2, d, faithful):
    if faithful:
        for j in range(len(s)):
            target = r[j] if d[j] else r[j] + GAMMA * np.amax(predict(s2[j:j + 1])[0])
            target_f = np.array(predict(s[j:j + 1]), np.float32)
            target_f[0][a[j]] = target
            fit(s[j:j + 1], target_f)
    else:
        next_q, targets = predict(s2), np.array(predict(s), np.float32)
        targets[np.arange(len(a)), a] = r + GAMMA * np.asarray(next_q).max(axis=1) * (1.0 - d)
        fit(s, targets)


def cases(quick, torch, keras=None):
    """Registered through models.cases (same suite, same table)."""
    try:
        import gymnasium as gym
    except ImportError:
        return
    steps = 100 if quick else 1500
    for faithful in (True, False):
        weights = initial_weights(np.random.default_rng(13))
        agents = {"pydl": keras_agent(pydl, weights), "numpy": numpy_agent(weights)}
        if torch:
            agents["torch"] = torch_agent(torch, weights)
        if keras:
            agents["keras"] = keras_agent(keras, weights)
        fns = {lib: (lambda agent=agent, faithful=faithful: play(gym, agent, steps, faithful))
               for lib, agent in agents.items()}
        # the check compares first calls (later ones keep training). pydl matches NumPy to ~1e-6; torch adds Adam's
        # epsilon after the bias correction, Keras (pydl, NumPy) before it: ~0.5 % after 100 steps, and the paths
        # drift apart to ~15 % of the largest weight over the ~2,000 fits of 1,500 steps.
        yield Case(f"book DQN {'faithful' if faithful else 'batched'}", f"CartPole, {steps} env steps",
                   "steps/s", steps, fns, tol=1e-2 if quick else 0.25, scale=1.0)
