"""The CUDA kernels' logic checked on the CPU, for machines (and CI) without a GPU: the section of each
csrc/cuda/<family>_kernels.cu between `// pydl-emulate-begin: <name>` and `// pydl-emulate-end: <name>` is compiled
by the host C++ compiler against emulated/shim.h (CUDA threads as std::threads, barriers for __syncthreads and warp
shuffles) and run against plain reference loops. It needs g++ with C++20, not nvcc.

The row-softmax family (softmax_kernels.cu and the fused cross-entropy of loss_kernels.cu) is checked from Python
instead: emulated/softmax_emu.cpp runs the kernels on arrays written here and NumPy computes the float64 reference.

It takes ~50 s, so it is opt-in: PYDL_EMULATE_CUDA=1 pytest tests/cuda/test_emulated_kernels.py (CI runs it)."""
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
CSRC = HERE.parents[1] / "csrc"

pytestmark = pytest.mark.skipif(
    os.environ.get("PYDL_EMULATE_CUDA") != "1" or shutil.which("g++") is None or not (CSRC / "cuda").is_dir(),
    reason="CPU emulation of the CUDA kernels is opt-in: set PYDL_EMULATE_CUDA=1 (needs g++ and the source tree)")

# harness emulated/<name>_emu.cpp -> the kernel file holding the section marked with <name>
CASES = {"gemm": "gemm_kernels.cu", "reduce": "reduce_kernels.cu", "index": "index_kernels.cu",
         "conv": "conv_kernels.cu", "pool": "pool_kernels.cu", "optim": "optim_kernels.cu",
         "recurrent": "recurrent_kernels.cu"}
# sections run by emulated/softmax_emu.cpp and checked against NumPy below
SOFTMAX_SECTIONS = {"softmax": "softmax_kernels.cu", "loss": "loss_kernels.cu"}


def kernels_section(path, name):
    """The text between the section's two markers (each exactly once in the file)."""
    text = path.read_text()
    begin, end = f"// pydl-emulate-begin: {name}", f"// pydl-emulate-end: {name}"
    for marker in (begin, end):
        assert text.count(marker) == 1, f"{path.name}: expected one line starting with {marker!r}"
    a = text.index("\n", text.index(begin)) + 1
    return text[a:text.index(end)]


def test_every_marked_section_has_a_harness():
    marked = {}
    for path in (CSRC / "cuda").glob("*.cu"):
        for line in path.read_text().splitlines():
            if line.startswith("// pydl-emulate-begin: "):
                marked[line.split()[2]] = path.name
    assert marked == {**CASES, **SOFTMAX_SECTIONS}


def build_harness(name, workdir, sections):
    """Compiles emulated/<name>_emu.cpp with the given kernel sections ({section: file}) extracted into workdir."""
    for section, kernel_file in sections.items():
        (workdir / f"{section}_section.inc").write_text(kernels_section(CSRC / "cuda" / kernel_file, section))
    exe = workdir / f"{name}_emu"
    build = subprocess.run(["g++", "-std=c++20", "-O1", "-pthread", "-Wno-unknown-pragmas", f"-I{workdir}",
                            f"-I{HERE / 'emulated'}", f"-I{CSRC}", str(HERE / "emulated" / f"{name}_emu.cpp"),
                            "-o", str(exe)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    return exe


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernels_on_emulated_gpu(name, tmp_path):
    exe = build_harness(name, tmp_path, {name: CASES[name]})
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "fails: 0" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]


# ---- the row-softmax family against NumPy (float64) --------------------------------------------------------------
# lane groups up to 1024 columns, a block per row beyond; widths divisible by 4 take the 16-byte accesses
WIDTHS = (1, 4, 31, 32, 33, 1023, 1024, 1025, 4096, 4097)
NO_ROW = 2 ** 64 - 1


@pytest.fixture(scope="module")
def softmax_emu(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("softmax_emu")
    exe = build_harness("softmax", workdir, SOFTMAX_SECTIONS)

    def run(op, dtype, rows, cols, flag, inputs, outputs):
        """Runs OP on the emulated GPU: inputs are arrays, outputs [(dtype, count)]; returns the output arrays."""
        src, dst = workdir / "in.bin", workdir / "out.bin"
        src.write_bytes(b"".join(np.ascontiguousarray(a).tobytes() for a in inputs))
        done = subprocess.run([str(exe), op, dtype, str(rows), str(cols), str(int(flag)), str(src), str(dst)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        raw, arrays, at = dst.read_bytes(), [], 0
        for dt, count in outputs:
            arrays.append(np.frombuffer(raw, dt, count, at))
            at += np.dtype(dt).itemsize * count
        assert at == len(raw)
        return arrays
    return run


def logits(cols, dtype, rng, specials=True):
    """16 rows: random ones, and (specials) logits near +-5000 (exp overflows without the max), a rising and a
    falling ramp (the running max grows at every element, or never), -inf in runs, all -inf, +-1e30 (1e300 in
    float64), one +inf, one NaN."""
    x = rng.standard_normal((16, cols)) * 3
    if specials:
        big = 1e30 if dtype == "float32" else 1e300
        x[1] += 5000
        x[2] -= 5000
        x[3] = np.linspace(-30, 30, cols)
        x[4] = np.linspace(30, -30, cols)
        x[5, np.arange(cols) % 16 < 5] = -np.inf  # whole lanes, and both lanes of some shuffle pairs
        x[6] = -np.inf
        x[7] = np.sign(x[7]) * big
        x[8, cols // 2] = np.inf
        x[9, cols // 3] = np.nan
    return x.astype(dtype)


def softmax_ref(x, log, zero_max_for_all_inf=True):
    """The CPU's formula (csrc/cpu/reduce.cpp) in float64: NaN propagates through the max."""
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        m = np.max(x, axis=1, keepdims=True)
        if zero_max_for_all_inf:
            m[m == -np.inf] = 0
        e = np.exp(x - m)
        s = e.sum(axis=1, keepdims=True)
        return ((x - m) - np.log(s)) if log else e / s, m[:, 0] + np.log(s[:, 0])


def assert_close(got, ref, rtol, atol):
    """|got - ref| <= atol + rtol * |ref| (atol may be per element); NaN and infinities exactly where ref has them."""
    got = got.astype(np.float64).reshape(ref.shape)
    atol = np.broadcast_to(atol, ref.shape)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    err = np.abs(got[finite] - ref[finite])
    bad = err > atol[finite] + rtol * np.abs(ref[finite])
    assert not bad.any(), f"{bad.sum()} of {bad.size} differ; worst: got {got[finite][bad][:4]}, ref {ref[finite][bad][:4]}"


TOL = {"float32": (2e-5, 1e-6), "float64": (1e-12, 1e-13)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_forward_emulated(softmax_emu, dtype, log):
    rng = np.random.default_rng(1)
    for cols in WIDTHS:
        x = logits(cols, dtype, rng)
        (y,) = softmax_emu("softmax", dtype, 16, cols, log, [x], [(dtype, x.size)])
        ref, _ = softmax_ref(x, log)
        assert np.isnan(ref[6]).all() and np.isnan(ref[8]).all() and np.isfinite(ref[:5]).all()
        assert_close(y, ref, *TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_backward_emulated(softmax_emu, dtype, log):
    rng = np.random.default_rng(2)
    for cols in WIDTHS:
        y = softmax_ref(logits(cols, dtype, rng, specials=False), log)[0].astype(dtype)
        g = rng.standard_normal(y.shape).astype(dtype)
        (gi,) = softmax_emu("softmax_bwd", dtype, 16, cols, log, [g, y], [(dtype, y.size)])
        g64, y64 = g.astype(np.float64), y.astype(np.float64)
        if log:
            ref = g64 - np.exp(y64) * g64.sum(axis=1, keepdims=True)
        else:
            ref = y64 * (g64 - (g64 * y64).sum(axis=1, keepdims=True))
        assert_close(gi, ref, *((1e-4, 2e-4) if dtype == "float32" else (1e-10, 1e-10)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_softmax_cross_entropy_forward_emulated(softmax_emu, dtype, sparse):
    rng = np.random.default_rng(3)
    for cols in WIDTHS:
        z = logits(cols, dtype, rng)
        label = rng.integers(0, cols, 16)
        target = label if sparse else rng.random(z.shape).astype(dtype)
        outs = [(dtype, 16), (dtype, z.size), (np.uint64, 1)]
        loss, probs, bad = softmax_emu("xent", dtype, 16, cols, sparse, [z, target], outs)
        pref, lse = softmax_ref(z, False, zero_max_for_all_inf=False)  # csrc/cpu/loss.cpp has no -inf guard
        z64, t64 = z.astype(np.float64), target.astype(np.float64)
        with np.errstate(all="ignore"):
            if sparse:
                lref, scale = lse - z64[np.arange(16), label], np.abs(lse) + np.abs(z64[np.arange(16), label])
            else:
                ts, tz = t64.sum(axis=1), (t64 * z64).sum(axis=1)
                lref, scale = lse * ts - tz, np.abs(lse) * ts + np.abs(t64 * z64).sum(axis=1)
        rtol, atol = TOL[dtype]
        assert bad[0] == NO_ROW
        assert_close(probs, pref, rtol, atol)
        assert_close(loss, lref, rtol, atol + rtol * np.nan_to_num(scale))
        if sparse:  # out-of-range labels: the first bad row is flagged (the launcher raises IndexError with it)
            label[[2, 9]] = [cols, -1]
            _, _, bad = softmax_emu("xent", dtype, 16, cols, sparse, [z, label], outs)
            assert bad[0] == 2


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_softmax_cross_entropy_backward_emulated(softmax_emu, dtype, sparse):
    rng = np.random.default_rng(4)
    for cols in WIDTHS:
        probs = softmax_ref(logits(cols, dtype, rng, specials=False), False)[0].astype(dtype)
        gl = rng.standard_normal(16).astype(dtype)
        label = rng.integers(0, cols, 16)
        target = label if sparse else rng.random(probs.shape).astype(dtype)
        (gz,) = softmax_emu("xent_bwd", dtype, 16, cols, sparse, [gl, probs, target], [(dtype, probs.size)])
        p64, g64 = probs.astype(np.float64), gl.astype(np.float64)[:, None]
        if sparse:
            ref = p64 * g64
            ref[np.arange(16), label] -= g64[:, 0]
        else:
            t64 = target.astype(np.float64)
            ref = (p64 * t64.sum(axis=1, keepdims=True) - t64) * g64
        rtol, atol = TOL[dtype]
        assert_close(gz, ref, rtol, atol * cols)
