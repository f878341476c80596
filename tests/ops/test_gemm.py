"""The GEMM behind matmul: shapes around the register tiles, transposes, strides, alpha/beta, k=0, NaN in C, on
every SIMD level (each in a subprocess with PYDL_SIMD set, compared with NumPy float64), including the unpacked
path for fewer rows than the register tile."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pydl

SCRIPT = r"""
import json
import numpy as np, pydl
rng = np.random.default_rng(1)
shapes = [(1, 1, 1), (1, 7, 1), (2, 3, 5), (13, 17, 19), (12, 32, 32), (25, 33, 47), (97, 1, 61), (3, 300, 2),
          (200, 8, 3), (129, 257, 65), (64, 64, 64), (37, 0, 11), (300, 40, 7),
          (1, 784, 64), (2, 50, 130), (3, 9, 67), (5, 20, 300), (11, 33, 97)]  # fewer rows than a register tile
worst = {}
for dt in ("float32", "float64"):
    tol = 1e-5 if dt == "float32" else 1e-12
    err = 0.0
    for (m, k, n) in shapes:
        for ta in (False, True):
            for tb in (False, True):
                a = rng.standard_normal((k, m) if ta else (m, k))
                b = rng.standard_normal((n, k) if tb else (k, n))
                c0 = rng.standard_normal((m, n))
                for alpha, beta in ((1.0, 0.0), (0.5, 1.0), (-2.0, 0.25)):
                    c = pydl.tensor(c0, dtype=dt)
                    if beta == 0.0:
                        c[...] = float("nan")     # beta = 0 must never read C
                    pydl.ops.gemm_(c, pydl.tensor(a, dtype=dt), pydl.tensor(b, dtype=dt), alpha, beta, ta, tb)
                    ref = alpha * ((a.T if ta else a) @ (b.T if tb else b)) + (beta * c0 if beta else 0.0)
                    scale = np.abs(a).max(initial=1) * np.abs(b).max(initial=1) * max(k, 1) + 1
                    err = max(err, float(np.max(np.abs(np.asarray(c, dtype=np.float64) - ref), initial=0) / scale))
    worst[dt] = err / tol
# matmul on strided views (every other column of a wider buffer) and batched broadcasting
a = rng.standard_normal((4, 1, 23, 2 * 29))[..., ::2]
b = rng.standard_normal((5, 29, 31))
got = np.asarray(pydl.from_numpy(a.astype(np.float32)) @ pydl.tensor(b, dtype="float32"), dtype=np.float64)
worst["strided_batched"] = float(np.max(np.abs(got - a @ b)) / 1e-4)
print(json.dumps({"simd": pydl.cpu_capability(), "worst": worst}))
"""


@pytest.mark.parametrize("level", pydl.build_info()["simd_supported"])
def test_gemm_matches_numpy_on_every_isa(level, tmp_path):
    env = dict(os.environ, PYDL_SIMD=level)
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.splitlines()[-1])
    assert res["simd"] == level
    for name, ratio in res["worst"].items():
        assert ratio <= 1.0, (name, ratio)       # error / tolerance


def test_gemm_k0_scales_c_by_beta():
    c = pydl.full((3, 4), 2.0)
    pydl.ops.gemm_(c, pydl.zeros(3, 0), pydl.zeros(0, 4), alpha=1.0, beta=0.5)
    assert np.asarray(c).tolist() == [[1.0] * 4] * 3
    c[...] = float("nan")
    pydl.ops.gemm_(c, pydl.zeros(3, 0), pydl.zeros(0, 4), beta=0.0)
    assert not np.isnan(np.asarray(c)).any() and np.asarray(c).sum() == 0


def test_gemm_bad_inputs():
    with pytest.raises(pydl.ShapeError, match=r"\(2, 3\)"):
        pydl.ops.gemm_(pydl.zeros(2, 2), pydl.zeros(2, 3), pydl.zeros(2, 2))
    with pytest.raises(pydl.DTypeError, match="float64"):
        pydl.ops.gemm_(pydl.zeros(2, 2), pydl.zeros(2, 2, dtype="float64"), pydl.zeros(2, 2))


def test_large_matmul_threads_agree(restore_threads):
    a, b = pydl.randn(300, 500), pydl.randn(500, 400)
    pydl.set_num_threads(1)
    one = np.asarray(a @ b).copy()
    pydl.set_num_threads(2)
    two = np.asarray(a @ b)
    np.testing.assert_array_equal(one, two)   # the split over threads never changes a result


@pytest.mark.parametrize("m", [1, 3])
def test_few_row_matmul_threads_agree(restore_threads, m):
    a, b = pydl.randn(m, 784), pydl.randn(784, 3000)  # enough work to be split over threads, by columns
    pydl.set_num_threads(1)
    one = np.asarray(a @ b).copy()
    pydl.set_num_threads(2)
    two = np.asarray(a @ b)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, np.asarray(a, np.float64) @ np.asarray(b, np.float64), rtol=1e-4, atol=1e-3)
