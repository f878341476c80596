"""Training loops: one environment stepped episode by episode (the book's loop), or n_envs stepped together for A2C;
both record each finished episode's score (its total reward) and apply CartPole's "solved" rule."""
import time
from dataclasses import dataclass, field

import numpy as np

from .envs import as_state, check_spaces, require_gymnasium

SOLVED_SCORE, SOLVED_WINDOW = 195.0, 100


def solved_at(scores, threshold=SOLVED_SCORE, window=SOLVED_WINDOW):
    """The 1-based episode whose trailing `window` episodes first average >= threshold, or None."""
    scores = np.asarray(scores, np.float64)
    if len(scores) < window:
        return None
    means = np.convolve(scores, np.ones(window) / window, mode="valid")
    hit = np.nonzero(means >= threshold - 1e-9)[0]
    return int(hit[0]) + window if len(hit) else None


@dataclass
class History:
    scores: list = field(default_factory=list)      # total reward per finished episode
    env_steps: list = field(default_factory=list)   # env steps taken when each episode finished (all envs)
    epsilons: list = field(default_factory=list)    # exploration rate at each episode's end (DQN agents)
    seconds: float = 0.0

    @property
    def steps(self):
        return self.env_steps[-1] if self.env_steps else 0

    def solved_at(self):
        return solved_at(self.scores)

    def steps_to(self, episode):
        return None if episode is None else self.env_steps[episode - 1]


def _report(history, agent, verbose, every):
    if verbose and len(history.scores) % every == 0:
        n = len(history.scores)
        eps = f", epsilon {agent.epsilon:.2f}" if hasattr(agent, "epsilon") else ""
        print(f"episode {n}: score {history.scores[-1]:.0f}, mean of last 100 "
              f"{np.mean(history.scores[-SOLVED_WINDOW:]):.1f}{eps}", flush=True)


def run_episodes(agent, env, episodes, seed=0, failure_reward=None, stop_when_solved=False, verbose=0, every=50,
                 callback=None):
    """Plays `episodes` episodes: act, step, agent.observe(...) after each step, agent.end_episode() after each
    episode. `failure_reward` replaces the reward of a step that ends the episode by failure (the book's -10);
    scores count the environment's own rewards. callback(history), if given, runs after each episode."""
    history, start = History(), time.perf_counter()
    total = 0
    for e in range(episodes):
        obs, _ = env.reset(seed=seed if e == 0 else None)
        state, score, done = as_state(obs), 0.0, False
        while not done:
            action = agent.act(state)
            obs, reward, terminated, truncated, _ = env.step(action)
            next_state = as_state(obs)
            score += float(reward)
            if terminated and failure_reward is not None:
                reward = failure_reward
            agent.observe(state, action, float(reward), next_state, bool(terminated))
            state, done = next_state, terminated or truncated
            total += 1
        agent.end_episode()
        history.scores.append(score)
        history.env_steps.append(total)
        if hasattr(agent, "epsilon"):
            history.epsilons.append(agent.epsilon)
        _report(history, agent, verbose, every)
        if callback is not None:
            callback(history)
        if stop_when_solved and history.solved_at() is not None:
            break
    history.seconds = time.perf_counter() - start
    return history


def make_vector_env(name, n_envs):
    """n_envs copies of env `name` stepped in this process; a finished env restarts within the same step()."""
    gym = require_gymnasium()
    envs = gym.make_vec(name, num_envs=n_envs, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP})
    try:
        check_spaces(_Single(envs), name)
    except ValueError:
        envs.close()
        raise
    return envs


class _Single:  # the per-env spaces of a vector env, for check_spaces
    def __init__(self, envs):
        self.action_space, self.observation_space = envs.single_action_space, envs.single_observation_space

    def close(self):
        pass


def run_a2c(agent, envs, episodes, seed=0, stop_when_solved=False, verbose=0, every=50, callback=None):
    """Steps agent.n_envs environments together until `episodes` episodes have finished, updating the agent every
    agent.n_steps steps. An episode cut by the time limit is bootstrapped with V(final state). callback(history)
    runs after each finished episode."""
    history, start = History(), time.perf_counter()
    obs, _ = envs.reset(seed=[seed + i for i in range(agent.n_envs)])
    scores = np.zeros(agent.n_envs)
    total = 0
    while len(history.scores) < episodes:
        rollout = ([], [], [], [])
        for _ in range(agent.n_steps):
            actions = agent.act(obs)
            next_obs, rewards, terminated, truncated, info = envs.step(actions)
            rewards = np.asarray(rewards, np.float64)
            scores += rewards
            total += agent.n_envs
            cut = truncated & ~terminated
            if cut.any():  # the return continues past the time limit: add gamma * V(final state)
                _, v = agent.policy(np.stack(info["final_obs"][cut]))
                rewards = rewards.copy()
                rewards[cut] += agent.gamma * v
            for store, v in zip(rollout, (obs, actions, rewards, terminated | truncated)):
                store.append(np.asarray(v))
            for i in np.nonzero(terminated | truncated)[0]:
                history.scores.append(float(scores[i]))
                history.env_steps.append(total)
                scores[i] = 0.0
                _report(history, agent, verbose, every)
                if callback is not None:
                    callback(history)
            obs = next_obs
        agent.learn(*(np.stack(r) for r in rollout), obs)
        if stop_when_solved and history.solved_at() is not None:
            break
    history.scores, history.env_steps = history.scores[:episodes], history.env_steps[:episodes]
    history.seconds = time.perf_counter() - start
    return history



class KeepBest:
    """A callback that copies the agent's weights whenever the mean score of the last `window` episodes reaches a
    new high (deep Q-learning and policy gradients on CartPole often forget a solved policy later on); restore()
    puts the best copy back. The book's notebook kept a file every 50 episodes for the same reason."""

    def __init__(self, agent, window=SOLVED_WINDOW, start=10):
        self.agent, self.window, self.start = agent, window, start
        self.mean, self.episode, self.weights = -np.inf, None, None

    def __call__(self, history):
        if len(history.scores) < self.start:
            return
        mean = float(np.mean(history.scores[-self.window:]))
        if mean > self.mean:
            self.mean, self.episode, self.weights = mean, len(history.scores), self.agent.model.get_weights()

    def restore(self):
        if self.weights is not None:
            self.agent.model.set_weights(self.weights)
            if hasattr(self.agent, "target"):
                self.agent.target.set_weights(self.weights)
        return self.episode
