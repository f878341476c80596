"""The options of `pydl run NAME`: the common ones every recipe gets, their checks, and what is checked before a
recipe starts (so that a bad `--plot` path or a missing matplotlib fails in a second, not after the training).

A recipe states its own defaults for the common options with `parser.set_defaults(epochs=10, batch_size=128)` in
its add_arguments(parser); `--help` then shows them, and `args.epochs` holds the value actually used. A recipe that
has no use for --epochs or --batch-size (it counts steps or episodes) says so with
`parser.set_defaults(epochs=argparse.SUPPRESS)`: --help marks the option unused and giving it is a usage error."""
import argparse
import importlib.util
import os
import sys

# integer options that count something: 0 or a negative value is always a mistake (recipes name them alike)
COUNTS = ("epochs", "batch_size", "limit", "steps", "episodes")
_COMMON_HELP = {"epochs": "training epochs", "batch_size": "batch size"}


class UsageError(Exception):
    """A bad option value or an unusable path: one line on stderr and exit code 2."""


class RecipeParser(argparse.ArgumentParser):
    """argparse whose errors are one line (`pydl run NAME: error: ...`), exit code 2, like other user errors."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def _count(text):
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def add_common_options(parser):
    """The options every recipe gets; None means "the recipe's default" unless the recipe set one."""
    g = parser.add_argument_group("common options")
    g.add_argument("--epochs", type=_count, metavar="N")
    g.add_argument("--batch-size", type=_count, metavar="N")
    g.add_argument("--seed", type=int, default=0, help="random seed: weights, dropout and data shuffling")
    g.add_argument("--plot", metavar="PATH", help="save a figure (e.g. the training curves) to PATH")
    g.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                   help="0 silent, 1 progress bars, 2 one line per epoch")
    g.add_argument("--threads", type=_count, metavar="N", help="pydl.set_num_threads(N) before running")
    g.add_argument("--traceback", action="store_true", help="on an error, show the whole stack, not one line")
    g.add_argument("--distributed", action="store_true", help="data-parallel under `mpiexec -n N` (pydl-core[mpi])")


def finish_help(parser):
    """Writes each option's default into its help once the recipe has had its say (set_defaults), so `--help` shows
    the value a run uses: "(default: V)" after every option with a value, unless its help already states one."""
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or action.nargs == 0 or not action.option_strings:
            continue  # --help, flags (store_true) and positionals say nothing about a default
        if action.dest in _COMMON_HELP:
            if action.default == argparse.SUPPRESS:
                action.help = f"{_COMMON_HELP[action.dest]}: not used by this recipe"
                parser._defaults.pop(action.dest, None)  # else parse_args would put the marker itself in args
            else:
                default = action.default if action.default is not None else "the recipe's"
                action.help = f"{_COMMON_HELP[action.dest]} (default: {default})"
        elif action.default is not None and "default" not in (action.help or ""):
            action.help = f"{action.help or ''} (default: %(default)s)".lstrip()


def build_parser(name, help=None, arguments=None):
    """The parser of `pydl run NAME`: the common options, the recipe's own (`arguments(parser)`, which may also
    set_defaults), and the defaults written into the help. argparse.ArgumentError when the recipe declares a bad
    option."""
    parser = RecipeParser(prog=f"pydl run {name}", description=help)
    add_common_options(parser)
    if arguments is not None:
        arguments(parser)
    finish_help(parser)
    return parser


def check(args, parser=None):
    """UsageError for a count option below 1 (a recipe may declare --limit as a plain int), a common option that
    the recipe does not use, or a --plot path that cannot be written, or matplotlib missing for it: before anything is
    trained."""
    for action in parser._actions if parser is not None else ():
        if action.dest in _COMMON_HELP and action.default == argparse.SUPPRESS and hasattr(args, action.dest):
            raise UsageError(f"{action.option_strings[0]} is not used by this recipe (see --help)")
    for name in COUNTS:
        value = getattr(args, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    plot = getattr(args, "plot", None)
    if plot:
        folder = os.path.dirname(os.path.abspath(plot))
        if os.path.isdir(plot):
            raise UsageError(f"--plot {plot!r} is a folder; give a file name such as {os.path.join(plot, 'plot.png')}")
        if not os.path.isdir(folder):
            raise UsageError(f"--plot {plot!r}: the folder {folder!r} does not exist")
        if not os.access(folder, os.W_OK):
            raise UsageError(f"--plot {plot!r}: the folder {folder!r} is not writable")
        if importlib.util.find_spec("matplotlib") is None:
            raise UsageError("--plot needs matplotlib (pip install matplotlib)")
