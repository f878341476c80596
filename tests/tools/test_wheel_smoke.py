"""tools/wheel_smoke.py (what tools/build_wheels.sh and cibuildwheel run against each built wheel) passes on this
build, so an API change that would break the wheel check shows up here, not only when wheels are built."""
import os
import subprocess
import sys
from pathlib import Path

import pydl

SMOKE = Path(__file__).resolve().parents[2] / "tools" / "wheel_smoke.py"


def test_smoke_script_passes_on_this_build():
    env = dict(os.environ, PYDL_SMOKE_ANYWHERE="1", PYDL_SIMD="generic",
               PYTHONPATH=os.pathsep.join(filter(None, [str(Path(pydl.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH")])))
    r = subprocess.run([sys.executable, str(SMOKE)], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(f"ok: pydl {pydl.__version__} on Python ") and "simd generic" in r.stdout
