"""What every vision recipe does with the CLI's common options, and the options the scene recipes share.

Each recipe states its defaults once (a DEFAULTS dict) and gives them to its parser with set_defaults, so that
`pydl run vision.NAME --help` shows the values a run uses; run() falls back on the same dict when it is called
without the CLI and an option is None."""
import argparse

import pydl
from pydl.utils import set_random_seed


def setup(args):
    """Applies --threads (run() may be called without the CLI) and seeds pydl; returns the seed (default 0)."""
    if getattr(args, "threads", None):
        pydl.set_num_threads(int(args.threads))
    seed = args.seed if getattr(args, "seed", None) is not None else 0
    set_random_seed(seed)
    return seed


def option(args, name, default):
    """args.<name>, or `default` when the option was not given (None)."""
    value = getattr(args, name, None)
    return default if value is None else value


def fraction(text):
    """argparse type: a number in [0, 1] (argparse reports the error on one line, naming the option)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def add_scene_arguments(parser, defaults, multiple_of):
    """--image-size, --limit and --lr of the recipes trained on synthetic shape scenes; `defaults` (a dict, also
    holding epochs and batch_size) become the parser's defaults."""
    parser.set_defaults(**defaults)
    parser.add_argument("--image-size", type=int, help=f"scene side in pixels, a multiple of {multiple_of}")
    parser.add_argument("--limit", type=int,
                        help="number of training scenes; validation uses a fifth of it, between 100 and 500")
    parser.add_argument("--lr", type=float, help="Adam learning rate")
