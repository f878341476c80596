"""Launcher for the benchmark suite from a source checkout: `python -m benchmarks [options]` is `pydl bench
[options]`. The code lives in pydl.bench so that `pydl bench` also works from an installed wheel; add new suites
under pydl/bench/suites/."""
