"""`pydl bench --quick` runs both suites end to end and writes its JSON (and PNG when matplotlib is there)."""
import importlib.util
import json
import subprocess
import sys

import pytest

SUITES = ("matmul", "elementwise")
METADATA_KEYS = ("versions", "pydl_build", "simd", "cpu", "threads", "blas", "env", "repeats", "quick")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    cmd = [sys.executable, "-m", "pydl", "bench", "--ops", ",".join(SUITES), "--quick", "--repeats", "2",
           "--json", str(out / "bench.json"), "--plot", str(out / "bench.png")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return r, out


def test_bench_runs_and_writes_json(bench_run):
    r, out = bench_run
    assert r.returncode == 0, r.stderr[-3000:]
    assert "×NumPy" in r.stdout
    data = json.loads((out / "bench.json").read_text())
    for key in METADATA_KEYS:
        assert key in data["metadata"], key
    assert data["metadata"]["simd"] in ("generic", "avx2", "avx512")
    for suite in SUITES:
        rows = [row for row in data["results"] if row["suite"] == suite]
        assert rows, f"no {suite} entries"
        for row in rows:
            assert row["time_s"]["pydl"] > 0 and row["time_s"]["numpy"] > 0, row
            assert all(t > 0 for t in row["time_s"].values()), row


def test_bench_writes_png(bench_run):
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib is not installed")
    r, out = bench_run
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_rejects_unknown_suite():
    r = subprocess.run([sys.executable, "-m", "pydl", "bench", "--ops", "nope"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "available: matmul" in r.stderr
