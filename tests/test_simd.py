"""Every SIMD path the CPU supports (forced with PYDL_SIMD) agrees with the default path."""
import json
import os
import subprocess
import tempfile
import sys

import numpy as np
import pytest

import pydl

SCRIPT = """
import json, numpy as np, pydl
rng = np.random.default_rng(5)
a = rng.standard_normal((67, 129)).astype(np.float32)
b = rng.standard_normal((129, 33)).astype(np.float32)
x = np.linspace(-10, 10, 10_000, dtype=np.float32)
out = {"cap": pydl.cpu_capability(), "simd": pydl.build_info()["simd"],
       "matmul": pydl.matmul(pydl.tensor(a), pydl.tensor(b)).tolist(),
       "exp": pydl.exp(pydl.tensor(x)).tolist(),
       "sigmoid": pydl.sigmoid(pydl.tensor(x)).tolist(),
       "tanh": pydl.tanh(pydl.tensor(x)).tolist(),
       "sum": pydl.sum(pydl.tensor((x + 10) / 20)).item()}
# every unary row of the core's op table, forward and backward, float32 and float64 (each ISA's own loops)
u = np.linspace(-3, 3, 1001)
for op in pydl.ops.elementwise_ops():
    if op["kind"] != "unary":
        continue
    for dt in ("float32", "float64"):
        t = pydl.tensor(u.astype(dt), requires_grad=True)
        y = getattr(pydl, op["name"])(t, 0.0, 1.0) if op["name"] == "clip" else getattr(pydl, op["name"])(t)
        y.sum().backward()
        out[op["name"] + "/" + dt] = y.detach().tolist()
        out[op["name"] + "/" + dt + "/grad"] = t.grad.tolist()
print(json.dumps(out))
"""


def run_with(level):
    env = {k: v for k, v in os.environ.items() if k != "PYDL_SIMD"}
    if level is not None:
        env["PYDL_SIMD"] = level
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                       text=True, timeout=120, cwd=tempfile.gettempdir())  # import the installed pydl
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def default_run():
    return run_with(None)


def test_default_path_is_supported():
    info = pydl.build_info()
    assert info["simd"] in ("generic", "avx2", "avx512")
    assert info["simd"] in info["simd_supported"] and "generic" in info["simd_supported"]
    assert pydl.cpu_capability() == info["simd"]


@pytest.mark.parametrize("level", ["generic", "avx2", "avx512"])
def test_forced_level_matches_default(level, default_run):
    if level not in pydl.build_info()["simd_supported"]:
        pytest.skip(f"{level} not supported on this CPU")
    got = run_with(level)
    assert got["cap"] == level and got["simd"] == level
    for key, atol in [("matmul", 129e-6), ("exp", 1e-6), ("sigmoid", 1e-6), ("tanh", 1e-6)]:
        np.testing.assert_allclose(got[key], default_run[key], rtol=1e-5, atol=atol,
                                   err_msg=f"{key} under PYDL_SIMD={level}")
    np.testing.assert_allclose(got["sum"], default_run["sum"], rtol=1e-5, atol=1e-2)
    unary = [k for k in default_run if "/" in k]
    assert len(unary) >= 4 * 14, unary  # every unary op of the table, both dtypes, forward and gradient
    for key in unary:
        tol = dict(rtol=1e-5, atol=1e-6) if "float32" in key else dict(rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got[key], default_run[key], **tol, err_msg=f"{key} under PYDL_SIMD={level}")


def test_default_path_matches_numpy(default_run):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((67, 129)).astype(np.float32).astype(np.float64)
    b = rng.standard_normal((129, 33)).astype(np.float32).astype(np.float64)
    x = np.linspace(-10, 10, 10_000, dtype=np.float32).astype(np.float64)
    np.testing.assert_allclose(default_run["matmul"], a @ b, rtol=1e-5, atol=129e-6)
    np.testing.assert_allclose(default_run["exp"], np.exp(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(default_run["sigmoid"], 1 / (1 + np.exp(-x)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(default_run["tanh"], np.tanh(x), rtol=1e-5, atol=1e-6)
    xs = ((np.linspace(-10, 10, 10_000, dtype=np.float32) + 10) / 20).astype(np.float64)
    np.testing.assert_allclose(default_run["sum"], xs.sum(), rtol=1e-5, atol=1e-2)
