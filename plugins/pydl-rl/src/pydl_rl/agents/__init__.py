"""The agents: each has act(state), remember(...) / observe(...), train() / learn(), save(path) and load(path)."""
from .book import DQNAgent
from .dqn import DQN
from .policy import A2C, Reinforce

__all__ = ["A2C", "DQN", "DQNAgent", "Reinforce"]
