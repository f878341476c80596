"""The CUDA kernels' logic checked on the CPU, for machines (and CI) without a GPU: the section of each
csrc/cuda/<family>_kernels.cu between `// pydl-emulate-begin: <name>` and `// pydl-emulate-end: <name>` is compiled
by the host C++ compiler against emulated/shim.h (CUDA threads as std::threads, barriers for __syncthreads and warp
shuffles) and run against plain reference loops. It needs g++ with C++20, not nvcc.

It takes ~30 s, so it is opt-in: PYDL_EMULATE_CUDA=1 pytest tests/cuda/test_emulated_kernels.py (CI runs it)."""
import os
import pathlib
import shutil
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent
CSRC = HERE.parents[1] / "csrc"

pytestmark = pytest.mark.skipif(
    os.environ.get("PYDL_EMULATE_CUDA") != "1" or shutil.which("g++") is None or not (CSRC / "cuda").is_dir(),
    reason="CPU emulation of the CUDA kernels is opt-in: set PYDL_EMULATE_CUDA=1 (needs g++ and the source tree)")

# harness emulated/<name>_emu.cpp -> the kernel file holding the section marked with <name>
CASES = {"gemm": "gemm_kernels.cu", "reduce": "reduce_kernels.cu", "index": "index_kernels.cu",
         "conv": "conv_kernels.cu", "pool": "pool_kernels.cu", "loss": "loss_kernels.cu",
         "optim": "optim_kernels.cu", "recurrent": "recurrent_kernels.cu"}


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
    assert marked == CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernels_on_emulated_gpu(name, tmp_path):
    (tmp_path / f"{name}_section.inc").write_text(kernels_section(CSRC / "cuda" / CASES[name], name))
    exe = tmp_path / f"{name}_emu"
    build = subprocess.run(["g++", "-std=c++20", "-O1", "-pthread", "-Wno-unknown-pragmas", f"-I{tmp_path}",
                            f"-I{HERE / 'emulated'}", f"-I{CSRC}", str(HERE / "emulated" / f"{name}_emu.cpp"),
                            "-o", str(exe)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "fails: 0" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
