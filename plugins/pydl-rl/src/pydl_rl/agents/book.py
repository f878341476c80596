"""The book's DQNAgent (cartpole_dqn notebook, ch 13) with its settings, on pydl.

Dense 32-32-2 (relu, linear), MSE, Adam(0.001); replay memory of the last 2,000 transitions; after each episode
`train(32)` samples 32 of them; gamma 0.95; epsilon 1.0, times 0.995 after each train() down to 0.01. The training
loop (pydl_rl.train) gives reward -10 when the pole falls.

mode="faithful" replays the 32 transitions as the notebook does, one at a time: predict(next_state),
predict(state), fit on that one sample. mode="batched" (default) computes the same targets for all 32 with one
predict on the 32 next states and one on the 32 states, then one fit on the batch of 32 (so all 32 targets come
from the weights before the update, where the faithful mode updates between transitions).
"""
import numpy as np

from pydl.optimizers import Adam

from ..nets import q_network
from ..replay import ReplayBuffer
from ..schedules import EpsilonDecay

MODES = ("batched", "faithful")


class DQNAgent:
    def __init__(self, state_size, action_size, mode="batched", memory=2000, gamma=0.95, epsilon=1.0,
                 epsilon_decay=0.995, epsilon_min=0.01, learning_rate=0.001, hidden=(32, 32), seed=None):
        if mode not in MODES:
            raise ValueError(f"DQNAgent: mode must be one of {MODES}, got {mode!r}")
        self.state_size, self.action_size, self.mode = int(state_size), int(action_size), mode
        self.gamma = float(gamma)
        self.schedule = EpsilonDecay(epsilon, epsilon_decay, epsilon_min)
        self.memory = ReplayBuffer(memory, state_size, seed=seed)
        self.rng = np.random.default_rng(None if seed is None else seed + 1)
        self.model = q_network(state_size, action_size, hidden)
        self.model.compile(loss="mse", optimizer=Adam(learning_rate=learning_rate))

    @property
    def epsilon(self):
        return self.schedule.value

    def remember(self, state, action, reward, next_state, done):
        self.memory.add(state, action, reward, next_state, done)

    observe = remember  # what the training loop calls after each step

    def end_episode(self, batch_size=32):
        """The notebook's loop: one train(32) after each episode once more than 32 transitions are stored."""
        if len(self.memory) > batch_size:
            self.train(batch_size)

    def act(self, state, greedy=False):
        """epsilon-greedy: a random action with probability epsilon, else the one with the highest Q-value."""
        if not greedy and self.rng.random() <= self.epsilon:
            return int(self.rng.integers(self.action_size))
        q = self.model.predict(np.asarray(state, np.float32).reshape(1, -1), verbose=0)
        return int(np.argmax(q[0]))

    def train(self, batch_size=32):
        """One replay of `batch_size` remembered transitions, then one step of epsilon decay."""
        states, actions, rewards, next_states, dones = self.memory.sample(batch_size)
        if self.mode == "faithful":
            for s, a, r, s2, d in zip(states, actions, rewards, next_states, dones):
                target = r
                if not d:
                    target = r + self.gamma * np.amax(self.model.predict(s2[None], verbose=0)[0])
                target_f = self.model.predict(s[None], verbose=0)
                target_f[0][a] = target
                self.model.fit(s[None], target_f, epochs=1, verbose=0)
        else:
            next_q = self.model.predict(next_states, verbose=0)
            targets = self.model.predict(states, verbose=0)
            targets[np.arange(len(actions)), actions] = rewards + self.gamma * next_q.max(axis=1) * (1.0 - dones)
            self.model.fit(states, targets, batch_size=len(states), epochs=1, verbose=0, shuffle=False)
        self.schedule.step()

    learn = train

    def save(self, path):
        """The Q-network's weights in pydl's data-only format (the notebook saved every 50 episodes)."""
        self.model.save_weights(path)

    def load(self, path):
        self.model.load_weights(path)
