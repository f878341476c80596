"""Data-parallel scaling on one machine, and allreduce bandwidth through pydl against raw mpi4py.

    python benchmarks/distributed/bench_distributed.py [--json out.json] [--samples 1024] [--epochs 4]

Training throughput of the book's LeNet-5 (chapter 10; 1024 samples per epoch) and intermediate net (chapter 8;
16384) on MNIST-shaped random data, global batch 128 in every layout: 1 process x 1 thread, 1 process x 2 threads, 2
processes x 1 thread (DistributedOptimizer, local batch 64). Samples/s is the median over epochs after a warm-up
epoch, measured on rank 0 between barriers. Allreduce: a float32 tensor of 4 KiB .. 64 MiB summed over 2 ranks in
place, through pydl.distributed.allreduce and through mpi4py's comm.Allreduce on the same memory; median time
and bus bandwidth 2 (N - 1) / N * bytes / t (the data each rank moves in a ring
allreduce). Each measurement is its own `mpiexec` job; the driver prints markdown tables."""
import argparse
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np

# the pydl to time: the one importable here (installed, or a checkout on PYTHONPATH), else this checkout's
_SPEC = importlib.util.find_spec("pydl")
ROOT = pathlib.Path(_SPEC.origin).parents[1] if _SPEC else pathlib.Path(__file__).resolve().parents[2]
GLOBAL_BATCH = 128


def _model(kind):
    from pydl.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from pydl.models import Sequential
    if kind == "lenet":
        return Sequential([Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                           Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Dropout(0.25), Flatten(),
                           Dense(128, activation="relu"), Dropout(0.5), Dense(10, activation="softmax")])
    return Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(64, activation="relu"),
                       Dense(10, activation="softmax")])


def worker_throughput(kind, samples, epochs):
    import pydl
    import pydl.distributed as dist
    from pydl.optimizers import SGD
    dist.init()
    n = dist.size()
    rng = np.random.default_rng(0)
    shape = (samples, 28, 28, 1) if kind == "lenet" else (samples, 784)
    x = rng.random(shape, dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, samples)]
    pydl.manual_seed(0)
    model = _model(kind)
    opt = SGD(lr=0.01)
    model.compile(optimizer=dist.DistributedOptimizer(opt) if n > 1 else opt, loss="categorical_crossentropy")
    seq = dist.DistributedSequence(x, y, batch_size=GLOBAL_BATCH // n, seed=0)
    times = []
    for epoch in range(epochs + 1):
        dist.barrier()
        start = time.perf_counter()
        model.fit(seq, epochs=1, shuffle=False, verbose=0, callbacks=[dist.BroadcastInitialState()] if not epoch
                  else None)
        dist.barrier()
        times.append(time.perf_counter() - start)
    if dist.is_primary():
        print("RESULT " + json.dumps({"samples_per_s": len(seq) * GLOBAL_BATCH / float(np.median(times[1:])),
                                      "params": model.count_params()}), flush=True)


def _median_times(fns, repeats, barrier):
    """Median seconds of each fn, the fns interleaved call by call (so that load changes hit both alike)."""
    out = [[] for _ in fns]
    for rep in range(repeats + 1):
        for i, fn in enumerate(fns):
            barrier()
            start = time.perf_counter()
            fn()
            if rep:  # the first round warms up
                out[i].append(time.perf_counter() - start)
    return [float(np.median(o)) for o in out]


def worker_allreduce():
    import pydl
    import pydl.distributed as dist
    from mpi4py import MPI
    dist.init()
    comm, n = MPI.COMM_WORLD, dist.size()
    rows = []
    for kib in (4, 64, 1024, 16384, 65536):
        t = pydl.ones(kib * 256)  # float32
        raw = np.asarray(t)  # the same memory, as mpi4py sees it
        repeats = 200 if kib <= 1024 else 20

        def through_pydl():
            dist.allreduce(t, op="sum", inplace=True)

        def through_mpi4py():
            comm.Allreduce(MPI.IN_PLACE, raw, op=MPI.SUM)
        tp, tm = _median_times([through_pydl, through_mpi4py], repeats, comm.Barrier)
        nbytes = kib * 1024
        moved = 2 * (n - 1) / n * nbytes  # bytes each rank sends (and receives) in a ring allreduce
        rows.append({"bytes": nbytes, "pydl_s": tp, "mpi4py_s": tm, "pydl_busbw_GBs": moved / tp / 1e9,
                     "mpi4py_busbw_GBs": moved / tm / 1e9})
    # a whole gradient set (LeNet-5's 8 tensors, 4.8 MB): fused into one buffer, one allreduce per tensor, and one
    # raw allreduce of the same bytes (the floor)
    from pydl.distributed.fusion import Fusion
    grads = [pydl.ones(*w.shape) for w in _model("lenet").weights]
    flat = np.ones(sum(g.size for g in grads), np.float32)
    fused, unfused = Fusion(64 << 20), Fusion(0)
    times = _median_times([lambda: fused.run(grads), lambda: unfused.run(grads),
                           lambda: comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)], 20, comm.Barrier)
    step = {"tensors": len(grads), "bytes": int(flat.nbytes), "fused_s": times[0], "per_tensor_s": times[1],
            "raw_s": times[2], "fused_calls": len(fused.last_plan), "per_tensor_calls": len(unfused.last_plan)}
    if dist.is_primary():
        print("RESULT " + json.dumps({"sizes": rows, "gradients": step}), flush=True)


def _mpiexec():
    here = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


def _job(n, threads, *args):
    env = dict(os.environ, PYDL_NUM_THREADS=str(threads), PYDL_DISABLE_PLUGINS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, __file__, *args], env=env, capture_output=True,
                          text=True, timeout=900)
    if proc.returncode:
        raise SystemExit(f"job {args} on {n} ranks failed:\n{proc.stdout}\n{proc.stderr}")
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")][0]
    return json.loads(line[len("RESULT "):])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--samples", type=int, default=1024, help="samples per epoch (default 1024)")
    ap.add_argument("--epochs", type=int, default=4, help="timed epochs after the warm-up one (default 4)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.worker[0] == "allreduce":
            return worker_allreduce()
        return worker_throughput(args.worker[0], args.samples, args.epochs)
    if _mpiexec() is None:
        raise SystemExit("no mpiexec: pip install 'pydl-core[mpi]'")
    load = os.getloadavg()
    out = {"cpus": os.cpu_count(), "loadavg_before": load, "global_batch": GLOBAL_BATCH, "throughput": {}}
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} before the run; global batch {GLOBAL_BATCH}\n")
    print("| model | params | 1 proc x 1 thread | 1 proc x 2 threads | 2 procs x 1 thread | 2x1 / 1x2 | "
          "2x1 scaling efficiency vs 1x1 |\n|---|---|---|---|---|---|---|")
    for kind in ("lenet", "mlp"):
        samples = args.samples * (1 if kind == "lenet" else 16)  # the MLP's epoch would last milliseconds
        common = ("--samples", str(samples), "--epochs", str(args.epochs), "--worker", kind)
        r11, r12, r21 = _job(1, 1, *common), _job(1, 2, *common), _job(2, 1, *common)
        out["throughput"][kind] = {"1x1": r11, "1x2": r12, "2x1": r21}
        s11, s12, s21 = r11["samples_per_s"], r12["samples_per_s"], r21["samples_per_s"]
        print(f"| {kind} | {r11['params']:,} | {s11:.0f}/s | {s12:.0f}/s | {s21:.0f}/s | {s21 / s12:.2f} | "
              f"{s21 / (2 * s11):.0%} |")
    got = _job(2, 1, "--worker", "allreduce")
    rows, step = out["allreduce"], out["gradients"] = got["sizes"], got["gradients"]
    print("\n| bytes | pydl allreduce | mpi4py Allreduce | pydl / mpi4py | pydl bus GB/s | mpi4py bus GB/s |\n"
          "|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['bytes']:,} | {r['pydl_s'] * 1e6:.1f} us | {r['mpi4py_s'] * 1e6:.1f} us | "
              f"{r['pydl_s'] / r['mpi4py_s']:.2f} | {r['pydl_busbw_GBs']:.2f} | {r['mpi4py_busbw_GBs']:.2f} |")
    print(f"\nLeNet-5's {step['tensors']} gradients ({step['bytes']:,} bytes) averaged over 2 ranks: fused "
          f"({step['fused_calls']} allreduce) {step['fused_s'] * 1e3:.2f} ms, one allreduce per tensor "
          f"({step['per_tensor_calls']}) {step['per_tensor_s'] * 1e3:.2f} ms, one raw mpi4py allreduce of the same "
          f"bytes {step['raw_s'] * 1e3:.2f} ms")
    out["loadavg_after"] = os.getloadavg()
    print(f"\nload average {out['loadavg_after'][0]:.2f} after the run")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
