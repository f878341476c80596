"""gymnasium environments, imported lazily so that a missing gymnasium is one clear error naming the extra."""
import numpy as np

EXTRA_HINT = "pip install 'pydl-rl[gym]'  (gymnasium, and pygame for rendered GIFs)"


def require_gymnasium():
    """The gymnasium module, or ImportError saying how to get it."""
    try:
        import gymnasium
    except ImportError as e:
        raise ImportError(f"pydl-rl needs gymnasium for its environments, and it is not installed: {EXTRA_HINT}") \
            from e
    return gymnasium


def make_env(name="CartPole-v1", render_mode=None):
    """A discrete-action gymnasium environment by id; ValueError when its actions or observations do not fit."""
    gym = require_gymnasium()
    try:
        env = gym.make(name, render_mode=render_mode)
    except gym.error.Error as e:
        raise ValueError(f"gymnasium has no environment {name!r}: {e}") from e
    except ImportError as e:  # rendering backends (pygame) are imported by the env itself
        raise ImportError(f"{name} with render_mode={render_mode!r} needs a package that is missing ({e}): "
                          f"{EXTRA_HINT}") from e
    check_spaces(env, name)
    return env


def check_spaces(env, name):
    gym = require_gymnasium()
    if not isinstance(env.action_space, gym.spaces.Discrete):
        env.close()
        raise ValueError(f"pydl-rl agents choose among discrete actions; {name} has action space {env.action_space}")  # noqa: TRY004
    shape = env.observation_space.shape
    if shape is None or len(shape) != 1:
        env.close()
        raise ValueError(f"pydl-rl agents take flat observation vectors; {name} observes shape {shape}")


def sizes(env):
    """(observation size, number of actions)."""
    return int(env.observation_space.shape[0]), int(env.action_space.n)


def as_state(obs):
    return np.asarray(obs, dtype=np.float32).reshape(-1)
