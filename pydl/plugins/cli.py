"""The plugin side of the `pydl` command line: `pydl plugins`, `pydl run <recipe>`, and `pydl <command>` for
commands that plugins add. pydl/cli.py calls in here only for these, so `pydl info` never scans plugins."""
import argparse
import difflib
import sys
import warnings

from .base import PluginLoadError, PluginWarning
from .recipe_args import UsageError, build_parser, check


def _quiet(fn):
    """These commands report broken plugins in their own output, so the PluginWarning would only repeat it."""
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginWarning)
            return fn(*args, **kwargs)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


def _err(message, code):
    print(f"pydl: {message}", file=sys.stderr)
    return code


def _problems():
    """One line per plugin that is broken or disabled."""
    from .loader import available
    return [f"plugin {p.name!r} ({p.distribution}) {p.status}: {p.error}" for p in available()
            if p.status in ("error", "disabled")]


@_quiet
def list_recipes():
    from .. import registry
    entries = registry.recipes.entries()
    if entries:
        width = max(len(e.name) for e in entries)
        print("recipes (pydl run NAME [options]; NAME --help for its options):")
        for e in entries:
            print(f"  {e.name:<{width}}  {e.help}")
    else:
        print("no recipes installed")
    for line in _problems():
        print(f"  ! {line}")
    return 0


@_quiet
def plugins_main(args=None):
    """`pydl plugins`: every plugin, its version, distribution, status and what it registers."""
    from .loader import GROUP, available
    infos = available()
    if not infos:
        print(f"no plugins installed (entry-point group {GROUP!r})")
        return 0
    rows = [(p.name, p.version or "-", p.distribution, p.status) for p in infos]
    widths = [max(len(r[i]) for r in rows + [("PLUGIN", "VERSION", "DISTRIBUTION", "STATUS")]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format("PLUGIN", "VERSION", "DISTRIBUTION", "STATUS").rstrip())
    for p, row in zip(infos, rows):
        print(fmt.format(*row).rstrip())
        for kind, names in p.registered.items():
            print(f"    {len(names)} {kind if len(names) != 1 else kind[:-1]}: {', '.join(names)}")
        if p.error:
            print(f"    {'error' if p.status == 'error' else 'note'}: {p.error}")
        if p.traceback and getattr(args, "verbose", False):
            print("    " + p.traceback.rstrip().replace("\n", "\n    "))
    return 0


@_quiet
def run_main(argv):
    """`pydl run NAME [common options] [recipe options]`; `pydl run` / `--list` lists the recipes."""
    from .. import registry
    if not argv or argv[0] in ("--list", "-l"):
        return list_recipes()
    if argv[0] in ("-h", "--help"):
        print("usage: pydl run NAME [--epochs N] [--batch-size N] [--seed S] [--plot PATH] [--verbose {0,1,2}]\n"
              "                [--threads N] [--traceback] [recipe options]\n       pydl run --list\n")
        return list_recipes()
    name, rest = argv[0], argv[1:]
    try:
        entry = registry.recipes.entry(name)
    except PluginLoadError as e:
        return _err(f"cannot run {name!r}: {e}", 1)
    except KeyError as e:
        close = difflib.get_close_matches(name, registry.recipes.names(), n=1, cutoff=0.6)
        return _err(f"unknown recipe {name!r}; did you mean {close[0]}? (`pydl run --list` lists them all)"
                    if close else f"{e}", 2)
    try:
        parser = build_parser(entry.name, entry.help, entry.arguments)
    except argparse.ArgumentError as e:
        return _err(f"recipe {entry.name!r} declares a bad option: {e}", 1)
    args = parser.parse_args(rest)
    try:
        check(args, parser)
    except UsageError as e:
        return _err(f"run {entry.name}: {e}", 2)
    if args.threads:
        import pydl
        pydl.set_num_threads(args.threads)
    run = entry.obj
    if args.distributed:  # rank 0 alone prints and writes files
        from ..distributed.fit import recipe_runner
        run = _aborting(recipe_runner(entry.name, run, args), entry.name)
    try:
        run(args)
    except PluginLoadError as e:
        if args.traceback:
            raise
        return _err(f"recipe {entry.name!r} needs something unavailable: {e}", 1)
    except (ValueError, OSError, ImportError) as e:  # bad data, a missing file or package: the user's to fix
        if args.traceback:
            raise
        first = (str(e).splitlines() or [""])[0]
        return _err(f"run {entry.name}: {type(e).__name__}: {first} (--traceback shows where)", 2)
    return 0


def _aborting(run, name):
    """Under --distributed a failing rank ends the whole MPI job (MPI_Abort, naming the rank): returning an exit code
    would leave the other ranks waiting forever in their next collective."""
    def wrapped(args):
        try:
            return run(args)
        except Exception as e:
            from ..distributed import comm
            comm.abort(f"run {name}: {type(e).__name__}: {e}")
    return wrapped


@_quiet
def command_main(name, argv, builtins):
    """`pydl <name> ...` for a command a plugin registered (exit code of its function)."""
    from .. import registry
    try:
        entry = registry.commands.entry(name)
    except PluginLoadError as e:
        return _err(f"cannot run command {name!r}: {e}", 1)
    except KeyError:
        extra = registry.commands.names()
        return _err(f"unknown command {name!r}; built-in: {', '.join(builtins)}"
                    + (f"; from plugins: {', '.join(extra)}" if extra else "") + " (see `pydl --help`)", 2)
    parser = argparse.ArgumentParser(prog=f"pydl {entry.name}", description=entry.help)
    if entry.arguments is not None:
        entry.arguments(parser)
    rc = entry.obj(parser.parse_args(argv))
    return int(rc or 0)
