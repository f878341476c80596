"""`pydl info` prints the build facts (version, simd, threads, cuda)."""
import shutil
import subprocess
import sys
import tempfile

import pytest

import pydl

COMMANDS = [[sys.executable, "-m", "pydl", "info"]]
if shutil.which("pydl"):
    COMMANDS.append([shutil.which("pydl"), "info"])


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: "module" if c[0] == sys.executable else "script")
def test_info(cmd):
    # Run outside the repository, so the installed package (not the source tree) is imported.
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln.lower() for ln in r.stdout.splitlines()]
    info = pydl.build_info()
    for word in ("version", "simd", "threads", "cuda"):
        assert any(word in ln for ln in lines), f"no {word!r} line in:\n{r.stdout}"
    assert any("version" in ln and info["version"] in ln for ln in lines), r.stdout
    assert any("simd" in ln and info["simd"] in ln for ln in lines), r.stdout

