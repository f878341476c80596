"""The sdist/wheel file selection in pyproject.toml: build outputs, measured results and the separately distributed
plugins stay out, while every file of the pydl package stays in (an unanchored "plugins/" once dropped
pydl/plugins from the wheel)."""
import subprocess
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")
pathspec = pytest.importorskip("pathspec")  # what scikit-build-core matches these patterns with

ROOT = Path(__file__).resolve().parents[2]


def spec():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["scikit-build"]
    return pathspec.GitIgnoreSpec.from_lines(cfg["sdist"]["exclude"])


def test_excluded_paths():
    s = spec()
    for path in ("dist/pydl_core-0.1.0-cp311-cp311-linux_x86_64.whl", "wheelhouse/x.whl",
                 "benchmarks/results/cpu-2026-11-26.json", "plugins/pydl-vision/pyproject.toml", ".ci/run"):
        assert s.match_file(path), path


def test_every_package_and_test_file_is_kept():
    files = subprocess.run(["git", "ls-files", "pydl", "tests", "csrc", "CMakeLists.txt", "LICENSE"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    s = spec()
    dropped = [f for f in files if s.match_file(f)]
    assert dropped == [] and "pydl/plugins/loader.py" in files
