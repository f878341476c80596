"""What every vision recipe does with the CLI's common options, and the options the scene recipes share."""
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


def add_scene_arguments(parser, defaults, multiple_of):
    """--image-size, --limit and --lr of the recipes trained on synthetic shape scenes (defaults: a dict)."""
    parser.add_argument("--image-size", type=int, default=None,
                        help=f"scene side in pixels, a multiple of {multiple_of} (default {defaults['image_size']})")
    parser.add_argument("--limit", type=int, default=None,
                        help=f"number of training scenes (default {defaults['limit']}); validation uses a fifth "
                             "of it, between 100 and 500")
    parser.add_argument("--lr", type=float, default=None, help=f"Adam learning rate (default {defaults['lr']})")
