"""pydl-rl: the book's chapter 13 (deep reinforcement learning) on pydl's public API and gymnasium.

Agents (`pydl_rl.agents`): the book's `DQNAgent`, `DQN` (target network, Double DQN, Huber loss), `Reinforce`
(policy gradient with a learned baseline) and `A2C` (advantage actor-critic). `pydl_rl.train.run_episodes` trains
any of them on a gymnasium environment and applies CartPole's "solved" rule; `pydl_rl.plots` draws the scores and
saves a rendered episode as a GIF.
"""
__version__ = "0.1.0"
