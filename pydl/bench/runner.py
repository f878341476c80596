"""Runs the selected suites at each thread count and hands the results to report."""
import statistics
import sys

import numpy as np

import pydl

from . import environment, report
from .harness import optional_import, thread_count, time_call
from .suites import DEFAULT, SUITES


def _to_numpy(result):
    return np.asarray(result.numpy() if hasattr(result, "numpy") else result)


def _check(case):
    """Max |result - NumPy's| relative to NumPy's largest value, per library: proof they do the same work. A case
    without a NumPy version (the chapter 11 nets, the book's GAN) is checked against PyTorch's, or not at all without it."""
    ref_lib = "numpy" if "numpy" in case.fns else "torch" if "torch" in case.fns else None
    if ref_lib is None:
        return {}
    ref = np.array(_to_numpy(case.fns[ref_lib]()), dtype=np.float64)
    scale = max(float(np.abs(ref).max()), 1e-30)
    errs = {}
    for lib, fn in case.fns.items():
        if lib != ref_lib:
            got = _to_numpy(fn())
            errs[lib] = float(np.abs(got - ref).max()) / scale if got.shape == ref.shape else None
    return errs


def run(ops, threads, repeats, quick, json_path=None, plot_path=None):
    torch, tpc = optional_import("torch"), optional_import("threadpoolctl")
    matplotlib = optional_import("matplotlib") if plot_path else None
    meta = environment.collect(threads, torch, tpc, matplotlib)
    meta.update(suites=list(ops), repeats=repeats, quick=quick)
    print("\n".join(environment.describe(meta)))
    min_batch_s, warmup_s = (0.005, 0.01) if quick else (0.05, 0.1)

    results = []
    for name in ops:
        unit_shown = None
        for case in SUITES[name](quick, torch):
            if case.unit != unit_shown:
                print("\n".join(report.header(name, case.unit, repeats)))
                unit_shown = case.unit
            with thread_count(threads[0], torch, tpc):
                errs = _check(case)
            for n in threads:
                with thread_count(n, torch, tpc):
                    samples = {lib: time_call(fn, repeats, min_batch_s, warmup_s) for lib, fn in case.fns.items()}
                t = {lib: statistics.median(v) for lib, v in samples.items()}
                r = {"suite": name, "op": case.op, "shape": case.shape, "threads": n, "unit": case.unit,
                     "work": case.work, "time_s": t, "rate": {k: case.work / v / case.scale for k, v in t.items()},
                     "x_numpy": t["numpy"] / t["pydl"] if "numpy" in t else None, "x_torch": t["torch"] / t["pydl"] if "torch" in t else None,
                     "x_keras": t["keras"] / t["pydl"] if "keras" in t else None,
                     "samples_s": samples, "check": errs, "tol": case.tol, "series": case.series, "size": case.size}
                results.append(r)
                print(report.row(r), flush=True)

    meta["load_avg_1min"]["end"] = environment.load_avg()
    summary = report.copy_summary(results)
    print("\n".join([""] + report.summary_lines(summary)))
    if json_path:
        report.write_json(json_path, meta, results, summary)
        print(f"wrote {json_path}")
    if plot_path:
        if matplotlib is None:
            print(f"--plot: matplotlib is not installed, so {plot_path} was not written (pip install matplotlib); "
                  "the table and JSON are unaffected", file=sys.stderr)
        else:
            report.write_plot(plot_path, results, meta)
            print(f"wrote {plot_path}")
    return 0


def _int_list(text, what):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise ValueError(f"--{what}: expected a positive integer or a comma list of them, got {text!r}")
    return values


def main(args):
    """Entry point for `pydl bench` with the parsed options of pydl.cli; returns the exit status."""
    ops = [o.strip() for o in args.ops.split(",") if o.strip()] if args.ops else []
    if getattr(args, "models", False) and "models" not in ops:  # `pydl bench --models` (alone, or with --ops)
        ops.append("models")
    ops = ops or list(DEFAULT)
    unknown = [o for o in ops if o not in SUITES]
    try:
        if unknown or not ops:
            raise ValueError(f"--ops: unknown suite(s) {', '.join(unknown) or '(none given)'}; "
                             f"available: {', '.join(SUITES)}")
        threads = _int_list(args.threads, "threads") if args.threads else [pydl.get_num_threads()]
        repeats = args.repeats if args.repeats is not None else (3 if args.quick else 7)
        if repeats < 1:
            raise ValueError(f"--repeats: expected a positive integer, got {repeats}")
    except ValueError as e:
        print(f"pydl bench: {e}", file=sys.stderr)
        return 2
    return run(ops, threads, repeats, args.quick, args.json, args.plot)
