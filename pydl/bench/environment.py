"""What a benchmark number depends on besides the code: library versions, the BLAS behind NumPy and PyTorch,
pydl's SIMD path, CPU, thread counts, and the environment variables that change BLAS behaviour."""
import datetime
import os
import platform

import numpy as np

import pydl

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE override OpenBLAS's own CPU detection; a wrong value slows NumPy
SLOWING_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYDL_NUM_THREADS", "PYDL_SIMD")


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _torch_blas(torch):
    """PyTorch links its BLAS (MKL on x86 wheels) statically, out of threadpoolctl's sight: ask its build config."""
    if torch is None:
        return None
    for item in torch.__config__.show().replace(",", "\n").split("\n"):
        if "BLAS_INFO=" in item:
            return item.split("=", 1)[1].strip()
    return "unknown"


def collect(threads, torch, threadpoolctl, matplotlib):
    """Metadata for the JSON file (call after torch is imported, so its BLAS and OpenMP show up too)."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"pydl": pydl.__version__, "numpy": np.__version__, "python": platform.python_version(),
                     "torch": getattr(torch, "__version__", None),
                     "threadpoolctl": getattr(threadpoolctl, "__version__", None),
                     "matplotlib": getattr(matplotlib, "__version__", None)},
        "pydl_build": pydl.build_info(),
        "simd": pydl.cpu_capability(),
        "cpu": {"model": _cpu_model(), "logical_cpus": os.cpu_count(), "platform": platform.platform()},
        "threads": list(threads),
        "blas": threadpoolctl.threadpool_info() if threadpoolctl else None,
        "torch_blas": _torch_blas(torch),
        "env": {k: os.environ.get(k) for k in SLOWING_VARS + THREAD_VARS},
        "load_avg_1min": {"start": load_avg()},
    }


def load_avg():
    """1-minute load average (None where the OS has none): other work on the machine skews every timing."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def describe(meta):
    """Header lines for the printed report, warnings first."""
    lines = []
    slowing = [f"{k}={meta['env'][k]}" for k in SLOWING_VARS if meta["env"][k] is not None]
    if slowing:
        lines.append(f"warning: {' '.join(slowing)} set: it overrides OpenBLAS's CPU detection and may slow NumPy; "
                     f"for a fair comparison run: env -u {' -u '.join(SLOWING_VARS)} pydl bench")
    if meta["blas"] is None:
        lines.append("warning: threadpoolctl is not installed, so NumPy's BLAS thread count is NOT matched to "
                     "pydl's (pip install threadpoolctl)")
    load = meta["load_avg_1min"]["start"]
    if load is not None and load > 0.5:
        lines.append(f"warning: load average {load} at start: other processes are using the "
                     f"{meta['cpu']['logical_cpus']} CPUs, so timings will be noisy")
    v = meta["versions"]
    lines.append(f"pydl {v['pydl']} (simd {meta['simd']}), numpy {v['numpy']}, "
                 f"torch {v['torch'] or 'not installed'}; cpu: {meta['cpu']['model']} "
                 f"({meta['cpu']['logical_cpus']} logical)")
    for lib in meta["blas"] or ():
        detail = ", ".join(str(lib[k]) for k in ("version", "architecture", "threading_layer") if lib.get(k))
        detail = f" ({detail})" if detail else ""
        lines.append(f"  {lib['user_api']}: {lib['internal_api']}{detail} {os.path.basename(lib['filepath'])}")
    if meta["torch_blas"]:
        lines.append(f"  torch blas: {meta['torch_blas']} (built in)")
    return lines
