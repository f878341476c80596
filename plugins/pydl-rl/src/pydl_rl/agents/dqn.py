"""DQN with a target network (Mnih et al. 2015), optionally Double DQN (van Hasselt et al. 2016), Huber loss and a
NumPy ring-array replay buffer; one gradient step every `train_every` environment steps once `learning_starts`
transitions are stored."""
import numpy as np

import pydl
from pydl.optimizers import Adam

from ..nets import q_network
from ..replay import ReplayBuffer
from ..schedules import LinearEpsilon
from ..step import apply_step, forward, huber, pick


class DQN:
    def __init__(self, state_size, action_size, double=False, hidden=(128, 128), learning_rate=1e-3, gamma=0.99,
                 buffer_size=50_000, batch_size=64, learning_starts=1000, train_every=1, target_every=200,
                 epsilon_start=1.0, epsilon_end=0.05, exploration_steps=5000, clipnorm=10.0, seed=None):
        for name, v in (("batch_size", batch_size), ("train_every", train_every), ("target_every", target_every)):
            if int(v) < 1:
                raise ValueError(f"DQN: {name} must be >= 1, got {v!r}")
        self.state_size, self.action_size, self.double = int(state_size), int(action_size), bool(double)
        self.gamma, self.batch_size = float(gamma), int(batch_size)
        self.learning_starts = max(int(learning_starts), self.batch_size)
        self.train_every, self.target_every = int(train_every), int(target_every)
        self.memory = ReplayBuffer(buffer_size, state_size, seed=seed)
        self.schedule = LinearEpsilon(epsilon_start, epsilon_end, exploration_steps)
        self.rng = np.random.default_rng(None if seed is None else seed + 1)
        self.model = q_network(state_size, action_size, hidden)
        self.target = q_network(state_size, action_size, hidden)
        self.target.set_weights(self.model.get_weights())
        self.optimizer = Adam(learning_rate=learning_rate, global_clipnorm=clipnorm)
        self.steps = 0
        self.updates = 0
        self.losses = []

    @property
    def epsilon(self):
        return self.schedule.value

    def act(self, state, greedy=False):
        if not greedy and self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.action_size))
        return int(np.argmax(forward(self.model, np.asarray(state, np.float32).reshape(1, -1))[0]))

    def remember(self, state, action, reward, next_state, terminated):
        """Stores a transition; `terminated` (not a time-limit truncation) stops bootstrapping from next_state."""
        self.memory.add(state, action, reward, next_state, terminated)

    def observe(self, state, action, reward, next_state, terminated):
        """remember, advance exploration, and learn when due: what the training loop calls after each env step."""
        self.remember(state, action, reward, next_state, terminated)
        self.steps += 1
        self.schedule.step()
        if len(self.memory) >= self.learning_starts and self.steps % self.train_every == 0:
            self.losses.append(self.learn())

    def end_episode(self):
        pass

    def targets(self, rewards, next_states, dones):
        """r + gamma * Q_target(s', a*) for non-terminal s'; a* = argmax of the target net (DQN) or of the online
        net (Double DQN), evaluated by the target net either way."""
        next_q = forward(self.target, next_states)
        if self.double:
            best = forward(self.model, next_states).argmax(axis=1)
            next_v = next_q[np.arange(len(best)), best]
        else:
            next_v = next_q.max(axis=1)
        return (rewards + self.gamma * (1.0 - dones) * next_v).astype(np.float32)

    def learn(self, batch=None):
        """One gradient step on a sampled batch (or the given (s, a, r, s', done) arrays); returns the loss."""
        states, actions, rewards, next_states, dones = batch if batch is not None else \
            self.memory.sample(self.batch_size, replace=True)
        y = pydl.tensor(self.targets(rewards, next_states, dones))
        loss = apply_step(self.model, self.optimizer,
                          lambda: huber(pick(self.model(states), actions) - y).mean())
        self.updates += 1
        if self.updates % self.target_every == 0:
            self.target.set_weights(self.model.get_weights())
        return loss

    train = learn

    def save(self, path):
        self.model.save_weights(path)

    def load(self, path):
        self.model.load_weights(path)
        self.target.set_weights(self.model.get_weights())
