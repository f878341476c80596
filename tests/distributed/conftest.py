"""The `mpirun` fixture: runs a worker script of this folder under `mpiexec -n 2` and returns (returncode, stdout,
stderr, seconds). Skips, saying why, when mpi4py or an mpiexec is missing (pip install "pydl-core[mpi]")."""
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

import pydl

HERE = pathlib.Path(__file__).parent


def find_mpiexec():
    """The mpiexec next to this Python (where the mpich wheel puts it, matching mpi4py's library), else PATH's."""
    for name in ("mpiexec", "mpirun"):
        here = pathlib.Path(sys.executable).parent / name
        if here.exists():
            return str(here)
    return shutil.which("mpiexec") or shutil.which("mpirun")


@pytest.fixture
def mpirun():
    try:
        import mpi4py  # noqa: F401
    except ImportError as e:
        pytest.skip(f"mpi4py cannot be imported ({e}; pip install 'pydl-core[mpi]'): no MPI tests")
    exe = find_mpiexec()
    if exe is None:
        pytest.skip("no mpiexec found next to Python or on PATH (pip install mpich): no MPI tests")

    def run(script, *args, n=2, timeout=60, env=None):
        full = dict(os.environ, PYDL_NUM_THREADS="1", PYDL_DISABLE_PLUGINS="1")
        full.update(env or {})
        full = {k: v for k, v in full.items() if v is not None}  # env={"NAME": None} unsets NAME
        # the pydl this test process imported (a checkout on PYTHONPATH, or the installed one in CI)
        root = str(pathlib.Path(pydl.__file__).resolve().parents[1])
        full["PYTHONPATH"] = root + (os.pathsep + full["PYTHONPATH"] if full.get("PYTHONPATH") else "")
        start = time.monotonic()
        target = [script] if script.startswith("-") else [str(HERE / script)]  # "-m", "pydl": a module
        proc = subprocess.run([exe, "-n", str(n), sys.executable, *target, *args], env=full,
                              capture_output=True, text=True, timeout=timeout)
        return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start
    return run

