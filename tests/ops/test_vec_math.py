"""The float32 SIMD formulas for exp/log/sigmoid/tanh: relative error <= 1e-6 over the whole float range
(vs NumPy float64 rounded to float32), including +-inf, NaN, subnormals and overflow, on every SIMD level."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pydl

SCRIPT = r"""
import json, sys
import numpy as np, pydl
rng = np.random.default_rng(0)
x = np.concatenate([rng.uniform(-110, 100, 100000), rng.uniform(-5, 5, 100000), rng.standard_normal(20000) * 1e-3,
                    np.array([0., -0., np.inf, -np.inf, np.nan, 1e-40, -1e-40, 88.72, 88.73, -87.3, -103.9, -104.5,
                              1.4e-45, 0.5, -0.5, 0.4999999])]).astype(np.float32)
pos = np.concatenate([np.abs(x), np.float32([0, 1e-45, 1e-40, 1.17e-38, 3.4e38, np.inf, np.nan, -1.0, -np.inf])])
refs = {"exp": (x, np.exp), "log": (pos, np.log), "tanh": (x, np.tanh),
        "sigmoid": (x, lambda v: 1 / (1 + np.exp(-v)))}
out = {"simd": pydl.cpu_capability()}
with np.errstate(all="ignore"):
    for name, (inp, ref) in refs.items():
        got = np.asarray(getattr(pydl, name)(pydl.from_numpy(inp))).astype(np.float64)
        exp32 = ref(inp.astype(np.float64)).astype(np.float32).astype(np.float64)
        normal = np.isfinite(exp32) & (np.abs(exp32) >= 1.17549435e-38)
        rel = float(np.max(np.abs(got[normal] - exp32[normal]) / np.abs(exp32[normal])))
        special = ~normal
        same = np.isclose(got[special], exp32[special], rtol=0, atol=1.5e-45, equal_nan=True)
        out[name] = {"rel": rel, "special_mismatch": [float(v) for v in inp[special][~same][:5]]}
print(json.dumps(out))
"""


@pytest.mark.parametrize("level", pydl.build_info()["simd_supported"])
def test_float32_formulas_accurate(level, tmp_path):
    env = dict(os.environ, PYDL_SIMD=level)
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["simd"] == level
    for name in ("exp", "log", "tanh", "sigmoid"):
        assert res[name]["rel"] <= 1e-6, (name, res[name])
        assert res[name]["special_mismatch"] == [], (name, res[name])


def test_strided_input_uses_same_values():
    x = np.linspace(-20, 20, 2001, dtype=np.float32)
    contiguous = np.asarray(pydl.exp(pydl.from_numpy(x[::2].copy())))
    strided = np.asarray(pydl.exp(pydl.from_numpy(x)[::2]))
    np.testing.assert_allclose(strided, contiguous, rtol=1e-6)
