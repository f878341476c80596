"""Timing and thread control shared by every suite.

Each callable is warmed up (the first calls pay for page faults, the lazy start of thread pools and packing
buffers), then timed in batches long enough to sit well above the timer's resolution; the reported time is the
median per-call time over the batches, which shrugs off the odd descheduled sample.
"""
import contextlib
import gc
import math
import time


def optional_import(name):
    """The module, or None when it is not installed (torch, threadpoolctl and matplotlib are all optional)."""
    try:
        return __import__(name)
    except Exception:  # a broken install counts as missing: the benchmark must still run without it
        return None


def time_call(fn, repeats, min_batch_s, warmup_s):
    """Seconds per call of fn(), one sample per batch (`repeats` of them); callers report the median."""
    # warming up for a while (not a fixed count) also lets the previous library's idle threads stop spinning
    calls, start = 0, time.perf_counter()
    while calls < 2 or time.perf_counter() - start < warmup_s:
        t = time.perf_counter()
        fn()
        last = time.perf_counter() - t
        calls += 1
    number = max(1, math.ceil(min_batch_s / max(last, 1e-9)))
    samples = []
    gc_was_on = gc.isenabled()
    gc.disable()  # a collection inside a batch would be charged to whichever library happened to run
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - t) / number)
    finally:
        if gc_was_on:
            gc.enable()
    return samples


@contextlib.contextmanager
def thread_count(n, torch=None, threadpoolctl=None):
    """Run pydl, NumPy's BLAS (and any OpenMP runtime, via threadpoolctl) and PyTorch with n threads each."""
    import pydl
    old_pydl = pydl.get_num_threads()
    old_torch = torch.get_num_threads() if torch else None
    pydl.set_num_threads(n)
    if torch:
        torch.set_num_threads(n)
    limits = threadpoolctl.threadpool_limits(limits=n) if threadpoolctl else contextlib.nullcontext()
    try:
        with limits:
            yield
    finally:
        pydl.set_num_threads(old_pydl)
        if torch:
            torch.set_num_threads(old_torch)
