"""The CUDA kernels' logic checked on the CPU, for machines (and CI) without a GPU: the kernels section of each
csrc/cuda/<family>_kernels.cu is compiled by the host C++ compiler against emulated/shim.h (CUDA threads as
std::threads, barriers for __syncthreads and warp shuffles) and run against plain reference loops.

It needs g++ with C++20 and takes ~30 s, so it is opt-in: PYDL_EMULATE_CUDA=1 python -m pytest tests/cuda."""
import os
import pathlib
import shutil
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent
CSRC = HERE.parents[1] / "csrc"
LAUNCHERS = "// ============================================================================================ launchers"

pytestmark = pytest.mark.skipif(
    os.environ.get("PYDL_EMULATE_CUDA") != "1" or shutil.which("g++") is None or not (CSRC / "cuda").is_dir(),
    reason="CPU emulation of the CUDA kernels is opt-in: set PYDL_EMULATE_CUDA=1 (needs g++ and the source tree)")

# harness -> (kernel file, text that starts the section to extract)
CASES = {
    "gemm": ("gemm_kernels.cu", "template <typename T> struct GemmParams"),
    "reduce": ("reduce_kernels.cu", None),
    "index": ("index_kernels.cu", None),
    "conv": ("conv_kernels.cu", None),
    "pool": ("pool_kernels.cu", "struct PGeo"),
    "loss": ("loss_kernels.cu", None),
    "optim": ("optim_kernels.cu", None),
    "recurrent": ("recurrent_kernels.cu", None),
}


def kernels_section(path, start):
    text = path.read_text()
    a = text.index(start) if start else text.index("namespace {") + len("namespace {")
    return text[a:text.index(LAUNCHERS)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernels_on_emulated_gpu(name, tmp_path):
    src, start = CASES[name]
    (tmp_path / f"{name}_section.inc").write_text(kernels_section(CSRC / "cuda" / src, start))
    exe = tmp_path / f"{name}_emu"
    build = subprocess.run(["g++", "-std=c++20", "-O1", "-pthread", "-Wno-unknown-pragmas", f"-I{tmp_path}",
                            f"-I{HERE / 'emulated'}", f"-I{CSRC}", str(HERE / "emulated" / f"{name}_emu.cpp"),
                            "-o", str(exe)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "fails: 0" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
