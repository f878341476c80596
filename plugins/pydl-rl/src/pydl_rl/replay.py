"""Experience replay in NumPy ring arrays: one preallocated array per field, a write position that wraps."""
import numpy as np


class ReplayBuffer:
    """Holds the last `capacity` transitions (state, action, reward, next_state, done).

    `add` overwrites the oldest transition once full (the book's deque(maxlen=2000)); `sample` draws uniformly from
    the stored ones, without replacement by default (the book's random.sample) or with it (cheaper for large
    buffers), from the buffer's own generator so a seed repeats the draws.
    """

    def __init__(self, capacity, state_size, seed=None):
        capacity, state_size = int(capacity), int(state_size)
        if capacity < 1 or state_size < 1:
            raise ValueError(f"ReplayBuffer: capacity and state_size must be >= 1, got {capacity}, {state_size}")
        self.capacity = capacity
        self.states = np.zeros((capacity, state_size), np.float32)
        self.next_states = np.zeros((capacity, state_size), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.position = 0   # where the next transition goes
        self.size = 0
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return self.size

    def add(self, state, action, reward, next_state, done):
        i = self.position
        self.states[i] = state
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_states[i] = next_state
        self.dones[i] = float(done)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, batch_size, replace=False):
        if batch_size < 1:
            raise ValueError(f"ReplayBuffer.sample: batch_size must be >= 1, got {batch_size}")
        if not replace and batch_size > self.size:
            raise ValueError(f"ReplayBuffer.sample: {batch_size} transitions asked without replacement, "
                             f"{self.size} stored")
        if self.size == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty")
        if replace:
            return self.rng.integers(0, self.size, batch_size)
        return self.rng.choice(self.size, batch_size, replace=False)

    def sample(self, batch_size, replace=False):
        """(states, actions, rewards, next_states, dones) of `batch_size` stored transitions."""
        idx = self.sample_indices(batch_size, replace)
        return self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx], self.dones[idx]
