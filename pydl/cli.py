"""The `pydl` command line: `pydl info`, `pydl demo`, `pydl bench`, `pydl plugins`, `pydl run <recipe>`, and the
commands plugins add (`pydl <plugin>.<command>`). Plugins are scanned only by the commands that need them."""
import argparse
import os
import sys


def _info(args):
    import pydl
    info = pydl.build_info()
    rows = [
        ("version", info["version"]),
        ("compiler", info["compiler"]),
        ("build type", info["build_type"]),
        ("simd", f"{info['simd']} (supported: {', '.join(info['simd_supported'])})"),
        ("threads", info["num_threads"]),
        ("cuda compiled", info["cuda_compiled"]),
        ("cuda available", info["cuda_available"]),
    ]
    if info.get("cuda_devices"):
        rows.append(("cuda devices", info["cuda_devices"]))
    rows.append(("mpi", _mpi_row()))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


def _mpi_row():
    """The MPI library that pydl.distributed would use, found without starting MPI."""
    try:
        from .distributed import mpi_info
        mpi = mpi_info()
    except Exception as e:  # a broken MPI install is reported here, not raised: `pydl info` is for diagnosis
        return f"unusable ({type(e).__name__}: {e})"
    if mpi is None:
        return "not installed (pip install 'pydl-core[mpi]' for pydl.distributed)"
    return f"{mpi['library']} (standard {mpi['standard']}, mpi4py {mpi['mpi4py']}; {mpi['cuda']})"


def _demo(args):
    """A short end-to-end check: fit y = 3x - 1 with autograd and plain gradient descent."""
    import pydl
    pydl.manual_seed(0)
    x = pydl.linspace(-1, 1, 64).reshape(64, 1)
    y = 3 * x - 1
    w = pydl.zeros(1, 1, requires_grad=True)
    b = pydl.zeros(1, requires_grad=True)
    for step in range(200):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with pydl.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad = None
        b.grad = None
    print(f"demo: fitted y = {w.item():.3f} x + {b.item():.3f} (target 3x - 1), final MSE {loss.item():.2e}")
    return 0


def _bench(args):
    # imported only when asked for; via .runner rather than the package so that an editable install made
    # before pydl/bench/ existed (which sees it as a namespace package) still finds it
    from .bench.runner import main
    return main(args)


def _add_bench(sub):
    b = sub.add_parser("bench", help="time pydl against NumPy (and PyTorch) on the same inputs")
    b.add_argument("--ops", help="comma list of suites, e.g. matmul,elementwise (default: all op suites)")
    b.add_argument("--models", action="store_true",
                   help="time training of the book's shallow, intermediate and deep nets (samples/s)")
    b.add_argument("--threads", help="thread count, or a comma list such as 1,2 to run each "
                                     "(default: pydl.get_num_threads())")
    b.add_argument("--json", metavar="OUT.json", help="write results and environment metadata as JSON")
    b.add_argument("--plot", metavar="OUT.png", help="write a chart (needs matplotlib)")
    b.add_argument("--repeats", type=int, help="timed batches per entry, median reported (default 7; 3 with --quick)")
    b.add_argument("--quick", action="store_true", help="fewer and smaller sizes (for tests)")
    b.set_defaults(fn=_bench)


BUILTINS = ("info", "demo", "bench", "plugins", "run")


def _plugins(args):
    from .plugins.cli import plugins_main
    return plugins_main(args)


def main(argv=None):
    """The `pydl` script. Output piped into a reader that stops early (`pydl run --list | head -1`) ends quietly."""
    try:
        try:
            return _main(sys.argv[1:] if argv is None else list(argv))
        finally:  # also after --help/--version's SystemExit: a closed pipe shows up here, not as "Exception ignored"
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's own flush at exit has nowhere to fail
        return 141  # what a shell reports for a command ended by SIGPIPE


def _main(argv):
    # `run` parses its options itself (the recipe's options are known only once the recipe is found)
    if argv and argv[0] == "run":
        from .plugins.cli import run_main
        return run_main(argv[1:])
    if argv and not argv[0].startswith("-") and argv[0] not in BUILTINS:
        from .plugins.cli import command_main
        return command_main(argv[0], argv[1:], BUILTINS)
    parser = argparse.ArgumentParser(prog="pydl", description="pydl: deep learning with a C++ core",
                                     epilog="Plugins may add commands: `pydl plugins` lists them.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"pydl {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="show the build: version, compiler, SIMD path, threads, CUDA").set_defaults(fn=_info)
    sub.add_parser("demo", help="fit a line with autograd (a quick end-to-end check)").set_defaults(fn=_demo)
    _add_bench(sub)
    plugins = sub.add_parser("plugins", help="list installed plugins, what they register, and load errors")
    plugins.add_argument("--verbose", "-v", action="store_true", help="show the stack of each plugin's error")
    plugins.set_defaults(fn=_plugins)
    sub.add_parser("run", help="run a recipe: `pydl run NAME [options]`; `pydl run --list` lists them")
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return 1
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
