"""One recipe per agent: trains it on a gymnasium environment (CartPole-v1 by default), prints the episode at which
the mean score of 100 consecutive episodes first reached 195 (CartPole's classic "solved" rule) or that it did not,
and with --plot / --gif saves the score plot / a rendered greedy episode of the trained agent."""
import argparse

import numpy as np

from ..envs import make_env, sizes
from ..train import KeepBest, run_a2c, run_episodes

SPECS = {  # recipe name -> (one-line help, default episodes)
    "dqn_book": (("The book's DQNAgent (ch 13): Dense 32-32-2, MSE, Adam 0.001, memory 2,000, batch 32, gamma 0.95, "
                 "epsilon x0.995 per episode, reward -10 on failure"), 1000),
    "dqn": ("DQN with a target network, Huber loss, a NumPy ring replay buffer, linear epsilon", 400),
    "double_dqn": ("Double DQN: the online net picks the next action, the target net values it", 400),
    "reinforce": ("REINFORCE: Monte-Carlo policy gradient with a learned value baseline, one update per episode",
                  1000),
    "a2c": ("Advantage actor-critic (A2C) on 8 vectorized environments, n-step returns", 1500),
}


def add_arguments(parser):
    parser.add_argument("--episodes", type=int, default=None, help="episodes to play")
    parser.add_argument("--env", default="CartPole-v1", help="a discrete-action gymnasium id")
    parser.add_argument("--gif", default=None, metavar="PATH", help="save a rendered greedy episode as a GIF")
    parser.add_argument("--save", default=None, metavar="PATH", help="save the trained weights (pydl format)")
    parser.add_argument("--stop-when-solved", action="store_true", help="stop at the first solved episode")
    parser.add_argument("--last", action="store_true",
                        help="--gif / --save use the final weights (default: those at the best mean of 100 episodes)")
    parser.add_argument("--mode", choices=("batched", "faithful"), default="batched",
                        help="rl.dqn_book: one fit on the 32 replayed transitions (batched) or one predict + fit "
                             "per transition as the notebook does (faithful)")


def arguments(name):
    """add_arguments for recipe rl.`name`, with its number of episodes as the default (shown by --help)."""
    def add(parser):
        add_arguments(parser)
        # episodes, not epochs; each agent has its own replay or rollout batch
        parser.set_defaults(episodes=SPECS[name][1], epochs=argparse.SUPPRESS, batch_size=argparse.SUPPRESS)
    return add


def build(name, state_size, action_size, seed, mode="batched"):
    from .. import agents
    if name == "dqn_book":
        return agents.DQNAgent(state_size, action_size, mode=mode, seed=seed)
    if name in ("dqn", "double_dqn"):
        return agents.DQN(state_size, action_size, double=name == "double_dqn", seed=seed)
    if name == "reinforce":
        return agents.Reinforce(state_size, action_size, seed=seed)
    if name == "a2c":
        return agents.A2C(state_size, action_size, seed=seed)
    raise KeyError(f"no rl agent named {name!r}; known: {', '.join(SPECS)}")


def train(name, args, callback=None):
    """(agent, history) for recipe `name` with the parsed options; callback(agent) -> per-episode callback."""
    from pydl.utils import set_random_seed
    seed = args.seed if args.seed is not None else 0
    episodes = args.episodes or SPECS[name][1]
    if episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {episodes}")
    set_random_seed(seed)
    verbose = args.verbose if args.verbose is not None else 1
    if name == "a2c":
        from ..train import make_vector_env
        probe = make_env(args.env)
        state_size, action_size = sizes(probe)
        probe.close()
        agent = build(name, state_size, action_size, seed)
        envs = make_vector_env(args.env, agent.n_envs)
        try:
            history = run_a2c(agent, envs, episodes, seed=seed, stop_when_solved=args.stop_when_solved,
                              verbose=verbose, every=100, callback=callback and callback(agent))
        finally:
            envs.close()
        return agent, history
    env = make_env(args.env)
    try:
        agent = build(name, *sizes(env), seed, mode=getattr(args, "mode", "batched"))
        history = run_episodes(agent, env, episodes, seed=seed, failure_reward=-10.0 if name == "dqn_book" else None,
                               stop_when_solved=args.stop_when_solved, verbose=verbose, every=100,
                               callback=callback and callback(agent))
    finally:
        env.close()
    return agent, history


def make(name):
    def run(args):
        best = []
        agent, history = train(name, args, callback=lambda agent: best.append(KeepBest(agent)) or best[0])
        solved = history.solved_at()
        steps = history.steps
        print(f"rl.{name} on {args.env}: {len(history.scores)} episodes, {steps:,} env steps in "
              f"{history.seconds:.1f} s ({steps / max(history.seconds, 1e-9):,.0f} steps/s incl. training); "
              f"best score {max(history.scores):.0f}, mean of the last {min(100, len(history.scores))} "
              f"{np.mean(history.scores[-100:]):.1f}")
        if solved:
            print(f"solved: the mean score of episodes {solved - 99}-{solved} reached 195 (episode {solved}, "
                  f"{history.steps_to(solved):,} env steps)")
        else:
            print("not solved: no 100 consecutive episodes averaged 195 or more")
        result = {"episodes": len(history.scores), "solved_at": solved, "steps_to_solve": history.steps_to(solved),
                  "env_steps": steps, "seconds": history.seconds, "best_score": max(history.scores),
                  "scores": list(history.scores)}
        if args.plot:
            from ..plots import plot_scores
            plot_scores(history, args.plot, title=f"rl.{name} on {args.env}")
            print(f"plot saved to {args.plot}")
        if (args.gif or args.save) and not getattr(args, "last", False) and best[0].weights is not None:
            episode = best[0].restore()
            print(f"using the weights after episode {episode} (best mean of the last 100: {best[0].mean:.1f}; "
                  "--last for the final ones)")
            result["weights_of_episode"] = episode
        if args.gif:
            from ..plots import record_episode, save_gif
            frames, score = record_episode(agent, args.env, seed=(args.seed or 0) + 10_000)
            save_gif(frames, args.gif)
            print(f"a greedy episode (score {score:.0f}, {len(frames)} frames) saved to {args.gif}")
            result["gif_score"] = score
        if args.save:
            agent.save(args.save)
            print(f"weights saved to {args.save}")
        return result
    run.__doc__ = SPECS[name][0]
    return run
