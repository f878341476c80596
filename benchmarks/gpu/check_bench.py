"""pydl vs PyTorch on CUDA: sgemm (no TF32), elementwise, reductions, softmax, a small MLP training step, the LeNet
conv layers, a LeNet training epoch through the Keras API, and fit steps of the book's LSTM, MLP and LeNet models
with step plans (model_steps.py).

Same shapes and dtypes on both sides, one process. Each timing is the median of several samples; a sample runs
the op enough times to take ~10 ms and ends with a device synchronisation (so launch overhead is included, as a
user sees it). Writes bench.json and prints the table rows; check.sh collects them.

    python3 benchmarks/gpu/check_bench.py --out OUTDIR [--quick]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import traceback

import numpy as np

import pydl
import pydl.cuda

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_steps  # noqa: E402

try:
    import torch
except ImportError:  # the table still shows pydl's numbers
    torch = None

ROWS = []


def sync_pydl():
    pydl.cuda.synchronize()


def sync_torch():
    torch.cuda.synchronize()


def timeit(fn, sync, min_sample_s=0.01, samples=7, max_total_s=4.0):
    """Median seconds per call of fn(), launch overhead included."""
    fn()
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    once = max(time.perf_counter() - t0, 1e-7)
    reps = max(1, min(1000, int(min_sample_s / once)))
    samples = max(3, min(samples, int(max_total_s / (once * reps)) or 3))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / reps)
    return statistics.median(times)


def row(name, pydl_value, torch_value, unit, higher_is_better, note=""):
    ratio = None
    if pydl_value is not None and torch_value:
        ratio = pydl_value / torch_value if higher_is_better else torch_value / pydl_value
    ROWS.append(dict(name=name, pydl=pydl_value, torch=torch_value, unit=unit, ratio=ratio, note=note))
    fmt = lambda v: "-" if v is None else f"{v:.4g}"  # noqa: E731
    print(f"  {name:<34} pydl {fmt(pydl_value):>9} {unit:<7} torch {fmt(torch_value):>9} {unit:<7} "
          f"ratio {fmt(ratio):>6}  {note}", flush=True)


def guarded(name):
    """Decorator: a failing benchmark becomes a FAIL row instead of ending the run."""
    def wrap(f):
        def run(*a, **k):
            try:
                return f(*a, **k)
            except Exception as e:  # noqa: BLE001
                traceback.print_exc()
                ROWS.append(dict(name=name, pydl=None, torch=None, unit="", ratio=None,
                                 note=f"FAIL: {type(e).__name__}: {str(e)[:80]}"))
                print(f"  {name:<34} FAIL {type(e).__name__}: {e}", flush=True)
        return run
    return wrap


def pair(shape, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape, dtype=np.float32)
    p = pydl.tensor(a).to("cuda")
    t = torch.from_numpy(a).cuda() if torch else None
    return p, t


# ---- GEMM ----------------------------------------------------------------------------------------------------

@guarded("sgemm")
def bench_sgemm(n, check_accuracy=False):
    a, ta = pair((n, n), 1)
    b, tb = pair((n, n), 2)
    flops = 2.0 * n ** 3
    tp = timeit(lambda: a @ b, sync_pydl)
    tt = timeit(lambda: ta @ tb, sync_torch) if torch else None
    note = ""
    if check_accuracy and torch:
        ref = (ta.double() @ tb.double()).cpu().numpy()
        got = np.asarray((a @ b).cpu()).astype(np.float64)
        tor = (ta @ tb).double().cpu().numpy()
        scale = np.abs(ref).max()
        note = (f"max|err|/max|ref|: pydl {np.abs(got - ref).max() / scale:.1e}, "
                f"torch {np.abs(tor - ref).max() / scale:.1e}")
    row(f"sgemm {n} fp32 (TF32 off)", flops / tp / 1e12, flops / tt / 1e12 if tt else None, "TFLOP/s", True, note)


@guarded("sgemm TF32")
def bench_sgemm_tf32(n):
    """The user's opt-in: fp32 inputs on TF32 tensor cores (pydl.cuda.set_tf32 / torch's allow_tf32)."""
    a, ta = pair((n, n), 1)
    b, tb = pair((n, n), 2)
    flops = 2.0 * n ** 3
    previous = pydl.cuda.set_tf32(True)
    try:
        tp = timeit(lambda: a @ b, sync_pydl)
        got = np.asarray((a @ b).cpu()).astype(np.float64)
    finally:
        pydl.cuda.set_tf32(previous)
    tt, note = None, ""
    if torch:
        torch.backends.cuda.matmul.allow_tf32 = True
        try:
            tt = timeit(lambda: ta @ tb, sync_torch)
            tor = (ta @ tb).double().cpu().numpy()
        finally:
            torch.backends.cuda.matmul.allow_tf32 = False
        ref = (ta.double() @ tb.double()).cpu().numpy()
        scale = np.abs(ref).max()
        note = (f"max|err|/max|ref|: pydl {np.abs(got - ref).max() / scale:.1e}, "
                f"torch {np.abs(tor - ref).max() / scale:.1e}")
    row(f"sgemm {n} TF32 (opt-in)", flops / tp / 1e12, flops / tt / 1e12 if tt else None, "TFLOP/s", True, note)


@guarded("gemm tile sweep")
def bench_gemm_tiles(sizes):
    """Each forced tile shape in a fresh process (the choice is read once per process): tuning information."""
    code = ("import sys, time, pydl, pydl.cuda\n"
            "n = int(sys.argv[1]); a = pydl.randn(n, n, device='cuda'); b = pydl.randn(n, n, device='cuda')\n"
            "for _ in range(3): a @ b\n"
            "pydl.cuda.synchronize(); best = 1e9\n"
            "for _ in range(5):\n"
            "    t0 = time.perf_counter(); r = [a @ b for _ in range(5)]; pydl.cuda.synchronize()\n"
            "    best = min(best, (time.perf_counter() - t0) / 5)\n"
            "print(2 * n ** 3 / best / 1e12)\n")
    for n in sizes:
        results = []
        for tile in "LWMS":
            env = dict(os.environ, PYDL_CUDA_GEMM_TILE=tile)
            out = subprocess.run([sys.executable, "-c", code, str(n)], env=env, capture_output=True, text=True,
                                 timeout=120)
            results.append(f"{tile}={float(out.stdout.strip()):.1f}" if out.returncode == 0 else f"{tile}=FAIL")
        print(f"  gemm tiles n={n}: " + ", ".join(results) + " TFLOP/s (best of 5)", flush=True)
        ROWS.append(dict(name=f"sgemm {n} per tile (L,W,M,S)", pydl=None, torch=None, unit="TFLOP/s", ratio=None,
                         note=" ".join(results)))


# ---- memory-bound ops ----------------------------------------------------------------------------------------

@guarded("elementwise")
def bench_elementwise(n=16 * 1024 * 1024):
    a, ta = pair((n,), 3)
    b, tb = pair((n,), 4)
    cases = [("add a+b", lambda x, y: x + y, 3), ("mul a*2.5", lambda x, y: x * 2.5, 2),
             ("exp", lambda x, y: pydl.exp(x) if isinstance(x, pydl.Tensor) else torch.exp(x), 2),
             ("relu", lambda x, y: pydl.relu(x) if isinstance(x, pydl.Tensor) else torch.relu(x), 2),
             ("sigmoid", lambda x, y: pydl.sigmoid(x) if isinstance(x, pydl.Tensor) else torch.sigmoid(x), 2),
             ("maximum", lambda x, y: pydl.maximum(x, y) if isinstance(x, pydl.Tensor) else torch.maximum(x, y), 3)]
    for name, f, words in cases:
        tp = timeit(lambda: f(a, b), sync_pydl)
        tt = timeit(lambda: f(ta, tb), sync_torch) if torch else None
        gbs = lambda t: words * 4 * n / t / 1e9  # noqa: E731
        row(f"{name} 16M fp32", gbs(tp), gbs(tt) if tt else None, "GB/s", True)


@guarded("reductions")
def bench_reductions():
    n = 16 * 1024 * 1024
    a, ta = pair((n,), 5)
    tp = timeit(lambda: a.sum(), sync_pydl)
    tt = timeit(lambda: ta.sum(), sync_torch) if torch else None
    row("sum 16M fp32", 4 * n / tp / 1e9, 4 * n / tt / 1e9 if tt else None, "GB/s", True)
    m, tm = pair((4096, 4096), 6)
    tp = timeit(lambda: m.sum(axis=1), sync_pydl)
    tt = timeit(lambda: tm.sum(dim=1), sync_torch) if torch else None
    row("sum rows (4096,4096)", 4 * n / tp / 1e9, 4 * n / tt / 1e9 if tt else None, "GB/s", True)
    tp = timeit(lambda: m.argmax(axis=1), sync_pydl)
    tt = timeit(lambda: tm.argmax(dim=1), sync_torch) if torch else None
    row("argmax rows (4096,4096)", 4 * n / tp / 1e9, 4 * n / tt / 1e9 if tt else None, "GB/s", True)


@guarded("softmax")
def bench_softmax():
    for rows, cols in ((8192, 1000), (1024, 16384)):
        x, tx = pair((rows, cols), 7)
        nbytes = 2 * 4 * rows * cols
        tp = timeit(lambda: pydl.softmax(x, axis=-1), sync_pydl)
        tt = timeit(lambda: torch.softmax(tx, dim=-1), sync_torch) if torch else None
        row(f"softmax ({rows},{cols})", nbytes / tp / 1e9, nbytes / tt / 1e9 if tt else None, "GB/s", True)
    x, tx = pair((8192, 1000), 8)
    tp = timeit(lambda: pydl.log_softmax(x, axis=-1), sync_pydl)
    tt = timeit(lambda: torch.log_softmax(tx, dim=-1), sync_torch) if torch else None
    row("log_softmax (8192,1000)", 8 * 8192 * 1000 / tp / 1e9, 8 * 8192 * 1000 / tt / 1e9 if tt else None, "GB/s", True)
    # The fused sparse cross-entropy forward (pydl also writes the probabilities backward needs, and reads the
    # first bad label back to the host: one sync per call) against torch's cross_entropy without reduction.
    for rows, cols in ((8192, 1000), (1024, 16384)):
        x, tx = pair((rows, cols), 10)
        labels = np.random.default_rng(11).integers(0, cols, rows)
        pl = pydl.tensor(labels).to("cuda")
        tp = timeit(lambda: pydl.nn_ops.softmax_cross_entropy(x, pl), sync_pydl)
        tt = None
        if torch:
            tl = torch.from_numpy(labels).cuda()
            tt = timeit(lambda: torch.nn.functional.cross_entropy(tx, tl, reduction="none"), sync_torch)
        row(f"softmax xent sparse ({rows},{cols})", tp * 1e6, tt * 1e6 if tt else None, "us", False)


# ---- a training step -----------------------------------------------------------------------------------------

@guarded("MLP step")
def bench_mlp(batch=128, steps_check=30):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((batch, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    onehot = np.eye(10, dtype=np.float32)[y]
    init = [(rng.standard_normal((784, 64)) * 0.05).astype(np.float32), np.zeros(64, np.float32),
            (rng.standard_normal((64, 10)) * 0.1).astype(np.float32), np.zeros(10, np.float32)]
    lr = 0.05

    px, poh = pydl.tensor(x).to("cuda"), pydl.tensor(onehot).to("cuda")
    pp = [pydl.tensor(w).to("cuda") for w in init]
    for p in pp:
        p.requires_grad = True

    def pydl_step():
        h = pydl.relu(px @ pp[0] + pp[1])
        z = h @ pp[2] + pp[3]
        loss = -(pydl.log_softmax(z, axis=-1) * poh).sum() * (1.0 / batch)
        loss.backward()
        with pydl.no_grad():
            for p in pp:
                p -= lr * p.grad
                p.grad = None
        return loss

    tp = timeit(pydl_step, sync_pydl)
    tt = None
    if torch:
        tx, toh = torch.from_numpy(x).cuda(), torch.from_numpy(onehot).cuda()
        tpar = [torch.from_numpy(w.copy()).cuda().requires_grad_() for w in init]

        def torch_step():
            h = torch.relu(tx @ tpar[0] + tpar[1])
            z = h @ tpar[2] + tpar[3]
            loss = -(torch.log_softmax(z, dim=-1) * toh).sum() * (1.0 / batch)
            loss.backward()
            with torch.no_grad():
                for p in tpar:
                    p -= lr * p.grad
                    p.grad = None
            return loss

        tt = timeit(torch_step, sync_torch)
    # Same start, same updates: both losses after a few more steps should agree closely.
    for p, w in zip(pp, init):
        with pydl.no_grad():
            p[...] = pydl.tensor(w).to("cuda")
    lp = [float(pydl_step().item()) for _ in range(steps_check)]
    note = f"loss {lp[0]:.3f} -> {lp[-1]:.3f}"
    if torch:
        with torch.no_grad():
            for p, w in zip(tpar, init):
                p.copy_(torch.from_numpy(w))
        lt = [float(torch_step().item()) for _ in range(steps_check)]
        note += f" (torch {lt[0]:.3f} -> {lt[-1]:.3f})"
    row(f"MLP 784-64-10 step b={batch}", tp * 1e6, tt * 1e6 if tt else None, "us", False, note)


@guarded("LeNet conv layers fwd+bwd")
def bench_lenet_conv(batch=128):
    """28x28x1 -> Conv(32, 3x3, relu) -> Conv(64, 3x3, relu) -> max-pool 2, forward and backward (weights and
    biases), each library in its native layout (pydl NHWC / HWIO, torch NCHW / OIHW with cuDNN, TF32 off)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((batch, 28, 28, 1), dtype=np.float32)
    w1 = (rng.standard_normal((3, 3, 1, 32)) * 0.3).astype(np.float32)
    b1 = (rng.standard_normal(32) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((3, 3, 32, 64)) * 0.06).astype(np.float32)
    b2 = (rng.standard_normal(64) * 0.1).astype(np.float32)

    px = pydl.tensor(x).to("cuda")
    pp = [pydl.tensor(a).to("cuda") for a in (w1, b1, w2, b2)]
    for p in pp:
        p.requires_grad = True

    def pydl_step():
        h = pydl.conv2d(px, pp[0], pp[1], activation="relu")
        h = pydl.conv2d(h, pp[2], pp[3], activation="relu")
        y = pydl.max_pool2d(h, 2)
        y.sum().backward()
        for p in pp:
            p.grad = None
        return y

    tp = timeit(pydl_step, sync_pydl)
    tt, note = None, f"b={batch}"
    if torch:
        tx = torch.from_numpy(x).cuda().permute(0, 3, 1, 2).contiguous()
        tpar = [torch.from_numpy(np.ascontiguousarray(w1.transpose(3, 2, 0, 1))).cuda(), torch.from_numpy(b1).cuda(),
                torch.from_numpy(np.ascontiguousarray(w2.transpose(3, 2, 0, 1))).cuda(), torch.from_numpy(b2).cuda()]
        for p in tpar:
            p.requires_grad_()
        F = torch.nn.functional

        def torch_step():
            h = torch.relu(F.conv2d(tx, tpar[0], tpar[1]))
            h = torch.relu(F.conv2d(h, tpar[2], tpar[3]))
            y = F.max_pool2d(h, 2)
            y.sum().backward()
            for p in tpar:
                p.grad = None
            return y

        tt = timeit(torch_step, sync_torch)
        yp = np.asarray(pydl_step().cpu())
        yt = torch_step().detach().permute(0, 2, 3, 1).cpu().numpy()
        note = f"b={batch}; max |pydl - torch| / max|y| = {np.abs(yp - yt).max() / max(np.abs(yt).max(), 1e-30):.1e}"
    row("LeNet conv layers fwd+bwd", tp * 1e3, tt * 1e3 if tt else None, "ms", False, note)


@guarded("LeNet training epoch")
def bench_lenet_epoch(n=60000, batch=128):
    """The book's LeNet-5 (conv 32 - conv 64 - pool - dropout - dense 128 - dropout - softmax, Adam) for one epoch
    on random MNIST-shaped data. pydl: the Keras API, model.to('cuda') and fit(); PyTorch: the same layers in eager
    mode, TF32 off. Both read batches from host memory (each batch copied to the GPU once), shuffle each epoch and
    read the loss and accuracy of every step (as Keras's progress bar does)."""
    from pydl.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from pydl.models import Sequential
    rng = np.random.default_rng(11)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    y = np.eye(10, dtype=np.float32)[labels]
    pydl.manual_seed(0)
    model = Sequential([Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                        Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Dropout(0.25), Flatten(),
                        Dense(128, activation="relu"), Dropout(0.5), Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"], device="cuda")
    model.fit(x[:batch * 20], y[:batch * 20], batch_size=batch, epochs=1, verbose=0)  # warm-up: allocator, kernels
    sync_pydl()
    t0 = time.perf_counter()
    hist = model.fit(x, y, batch_size=batch, epochs=1, verbose=0).history
    sync_pydl()
    tp = time.perf_counter() - t0
    note = f"n={n} b={batch}; loss {hist['loss'][0]:.3f}"
    tt = None
    if torch:
        nn, F = torch.nn, torch.nn.functional
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                            nn.Linear(128, 10)).cuda()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        ty = torch.from_numpy(labels)

        def torch_epoch(count):
            net.train()
            order = torch.randperm(count)
            loss_sum = correct = 0.0
            for i in range(0, count, batch):
                idx = order[i:i + batch]
                xb, yb = tx[idx].cuda(non_blocking=True), ty[idx].cuda(non_blocking=True)
                out = net(xb)
                loss = F.cross_entropy(out, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss_sum += loss.item() * len(idx)
                correct += (out.argmax(1) == yb).sum().item()
            return loss_sum / count

        torch_epoch(min(n, batch * 20))
        sync_torch()
        t0 = time.perf_counter()
        lt = torch_epoch(n)
        sync_torch()
        tt = time.perf_counter() - t0
        note += f" (torch {lt:.3f})"
    row("LeNet training epoch", n / tp, n / tt if tt else None, "samples/s", True, note)


def bench_model_steps():
    for name, fn in model_steps.STEPS.items():
        @guarded(name)
        def one():
            tp, tt, note = fn(torch)
            row(name, tp * 1e3, tt * 1e3 if tt else None, "ms", False, note)
        one()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".")
    ap.add_argument("--quick", action="store_true", help="skip the tile sweep")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not pydl.cuda.is_available():
        print("no CUDA device: nothing to benchmark")
        return 1
    print(f"pydl {pydl.__version__} on {pydl.cuda.get_device_name()}; torch "
          f"{torch.__version__ if torch else 'not importable'}", flush=True)
    if torch:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_float32_matmul_precision("highest")  # allow_tf32 toggled per row below
    bench_sgemm(1024, check_accuracy=True)
    bench_sgemm(4096)
    bench_sgemm_tf32(4096)
    bench_elementwise()
    bench_reductions()
    bench_softmax()
    bench_mlp()
    bench_lenet_conv()
    bench_lenet_epoch()
    bench_model_steps()
    if not args.quick:
        bench_gemm_tiles([1024, 4096])
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump(dict(device=pydl.cuda.get_device_name(), torch=torch.__version__ if torch else None, rows=ROWS),
                  f, indent=1)
    return 1 if any(r["note"].startswith("FAIL") for r in ROWS) else 0


if __name__ == "__main__":
    sys.exit(main())
