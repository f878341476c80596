"""Step plans (#12): the book's dense nets trained through fit() with plans (the default) and without
(jit_compile=False), against the hand-written NumPy loop and PyTorch eager, in one process, same weights and batches;
plus the number of Python -> C++ calls per training step. Medians of alternating epochs.

    OPENBLAS_NUM_THREADS=1 python benchmarks/step_plans.py [--threads 1] [--repeats 7] [--soak 10000]

--soak N trains the shallow net for N steps of batch 2 through fit (plans and runs on) and prints the resident set
size every N/10 steps: a plan holds its buffers once, so it must stay flat.
"""
import argparse
import collections
import statistics
import sys
import time

import numpy as np

import pydl
from pydl.bench.suites import models as m


def calls_per_step(model, x, y, batch):
    """Python -> C++ calls (builtins of pydl._C and methods of its objects) during one epoch, per step."""
    counts = collections.Counter()

    def prof(frame, event, arg):
        if event == "c_call":
            owner = getattr(arg, "__self__", None)
            if getattr(arg, "__module__", None) == "pydl._C" or type(owner).__module__ == "pydl._C":
                counts[arg.__name__] += 1
    sys.setprofile(prof)
    try:
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    finally:
        sys.setprofile(None)
    return sum(counts.values()) / -(-len(x) // batch), counts


def soak(steps):
    import resource
    rng = np.random.default_rng(0)
    spec = m.NETS["shallow net"]
    model = m.keras_style(pydl, spec, m.initial_weights(spec, rng))
    x = rng.random((2 * steps // 10, m.FEATURES), dtype=np.float32)
    y = np.eye(m.CLASSES, dtype=np.float32)[rng.integers(0, m.CLASSES, len(x))]
    with open("/proc/self/statm") as f:
        page = resource.getpagesize()
        for k in range(10):
            model.fit(x, y, batch_size=2, epochs=1, verbose=0)
            f.seek(0)
            rss = int(f.read().split()[1]) * page / 2 ** 20
            print(f"after {(k + 1) * steps // 10:6d} steps: RSS {rss:7.1f} MiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--soak", type=int, default=0, metavar="STEPS")
    args = ap.parse_args()
    if args.soak:
        return soak(args.soak)
    pydl.set_num_threads(args.threads)
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    print(f"{args.threads} thread(s), median of {args.repeats}; k samples/s (batch 128) or steps/s (batch 2)")
    print(f"{'net':12s} {'batch':>5s} {'plans':>9s} {'eager':>9s} {'NumPy':>9s} {'torch':>9s}  "
          f"{'×eager':>6s} {'×NumPy':>6s} {'×torch':>6s}  calls/step plans, eager")
    for batch, n in ((128, 8192), (2, 256)):
        for name, spec in m.NETS.items():
            x = rng.random((n, m.FEATURES), dtype=np.float32)
            y = np.eye(m.CLASSES, dtype=np.float32)[rng.integers(0, m.CLASSES, n)]
            weights = m.initial_weights(spec, rng)
            start = m._trainable(spec, weights)
            planned = m.keras_style(pydl, spec, weights)
            eager = m.keras_style(pydl, spec, weights)
            eager.compile(loss=planned.loss_functions[0], optimizer=type(planned.optimizer).from_config(
                planned.optimizer.get_config()), metrics=["accuracy"], jit_compile=False)
            fns = {"plans": m._fit_fn(planned, spec, x, y, batch, start),
                   "eager": m._fit_fn(eager, spec, x, y, batch, start),
                   "numpy": m._numpy_fn(spec, weights, x, y, batch, start)}
            if torch is not None:
                fns["torch"] = m._torch_fn(torch, spec, weights, x, y, batch, start)
            times = {k: [] for k in fns}
            for _ in range(args.repeats + 1):  # the first round warms up (and records the plans)
                for k, f in fns.items():
                    t = time.perf_counter()
                    f()
                    times[k].append(time.perf_counter() - t)
            med = {k: statistics.median(v[1:]) for k, v in times.items()}
            unit = n / 1e3 if batch > 2 else n / batch
            rate = {k: unit / v for k, v in med.items()}
            cp, _ = calls_per_step(planned, x, y, batch)
            ce, _ = calls_per_step(eager, x, y, batch)
            tr = rate.get("torch", float("nan"))
            print(f"{name:12s} {batch:5d} {rate['plans']:9.1f} {rate['eager']:9.1f} {rate['numpy']:9.1f} {tr:9.1f}  "
                  f"{rate['plans'] / rate['eager']:5.2f}× {rate['plans'] / rate['numpy']:5.2f}× "
                  f"{rate['plans'] / tr:5.2f}×  {cp:.2f}, {ce:.1f}")


if __name__ == "__main__":
    main()
