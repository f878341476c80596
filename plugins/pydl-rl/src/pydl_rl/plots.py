"""Pictures of a run: scores with their 100-episode moving average and the 195 "solved" line (plus epsilon for
DQN agents), and a rendered episode of the trained agent as an animated GIF."""
import numpy as np

from .envs import EXTRA_HINT, as_state, make_env
from .train import SOLVED_SCORE, SOLVED_WINDOW


def moving_average(scores, window=SOLVED_WINDOW):
    """Mean of the last `window` scores at each episode (of all so far while fewer than `window`)."""
    scores = np.asarray(scores, np.float64)
    sums = np.cumsum(scores)
    out = np.empty_like(scores)
    for i in range(len(scores)):
        lo = max(0, i + 1 - window)
        out[i] = (sums[i] - (sums[lo - 1] if lo else 0.0)) / (i + 1 - lo)
    return out


def plot_scores(history, path, title="", dpi=80):
    """Saves the score plot (and epsilon on a second axis when the history has it) to `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    episodes = np.arange(1, len(history.scores) + 1)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(episodes, history.scores, color="0.7", lw=0.8, label="score")
    ax.plot(episodes, moving_average(history.scores), color="C0", lw=1.8, label="mean of last 100")
    ax.axhline(SOLVED_SCORE, color="C3", ls="--", lw=1, label="195 (solved)")
    solved = history.solved_at()
    if solved:
        ax.axvline(solved, color="C2", ls=":", lw=1, label=f"solved at {solved}")
    ax.set(xlabel="episode", ylabel="score", title=title)
    if history.epsilons:
        eps_ax = ax.twinx()
        eps_ax.plot(episodes, history.epsilons, color="C1", lw=1, label="epsilon")
        eps_ax.set(ylabel="epsilon", ylim=(0, 1.05))
        eps_ax.legend(loc="center right", fontsize=7)
    ax.legend(loc="upper left", fontsize=7)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def record_episode(agent, env_name="CartPole-v1", seed=0, max_steps=500):
    """(frames, score): one greedy episode of the agent, rendered as RGB arrays."""
    import os
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")   # off-screen frames need no display (pygame asks for one)
    env = make_env(env_name, render_mode="rgb_array")
    try:
        obs, _ = env.reset(seed=seed)
        frames, score = [], 0.0
        for _ in range(max_steps):
            frame = env.render()
            if frame is None:
                raise RuntimeError(f"{env_name} rendered no frame with render_mode='rgb_array'")
            frames.append(frame)
            obs, reward, terminated, truncated, _ = env.step(agent.act(as_state(obs), greedy=True))
            score += float(reward)
            if terminated or truncated:
                break
        return frames, score
    except ImportError as e:  # CartPole imports pygame on its first render
        raise ImportError(f"rendering {env_name} needs pygame ({e}): {EXTRA_HINT}") from e
    finally:
        env.close()


def save_gif(frames, path, every=2, scale=0.5, fps=25):
    """Writes every `every`-th frame, resized by `scale`, as a looping GIF (small enough to commit)."""
    from PIL import Image
    if not frames:
        raise ValueError("save_gif: no frames")
    images = []
    for frame in frames[::every]:
        img = Image.fromarray(np.asarray(frame, np.uint8))
        if scale != 1:
            img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
        images.append(img.convert("P", palette=Image.ADAPTIVE, colors=32))
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 * every / fps), loop=0,
                   optimize=True)
    return path
