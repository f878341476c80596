"""Layering: kernels (csrc/cpu, csrc/cuda) never include the op layer, autograd, the bindings or pybind11.

Types a kernel needs (WindowGeometry, PoolKind, OptimStep, RnnStep...) live in csrc/core; see DESIGN.md.
"""
import pathlib
import re

import pytest

CSRC = pathlib.Path(__file__).resolve().parents[2] / "csrc"
KERNEL_DIRS = ("cpu", "cuda")
SOURCES = (".h", ".hpp", ".cpp", ".cc", ".cu", ".cuh")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.MULTILINE)
FORBIDDEN = ("ops/", "autograd/", "bindings/", "pybind11/", "Python.h")


def forbidden_includes(text):
    """The #include targets in `text` that a kernel file must not name."""
    return [inc for inc in INCLUDE.findall(text) if inc.startswith(FORBIDDEN)]


def kernel_files():
    return sorted(p for d in KERNEL_DIRS for p in (CSRC / d).rglob("*") if p.suffix in SOURCES)


def test_checker_sees_an_offender():
    text = '#include "core/tensor.h"\n  #  include "ops/ops.h"\n#include <pybind11/pybind11.h>\n#include "cpu/ops_x.h"\n'
    assert forbidden_includes(text) == ["ops/ops.h", "pybind11/pybind11.h"]


def test_kernel_dirs_exist():
    assert len(kernel_files()) > 20  # the scan below would pass vacuously on a wrong path


@pytest.mark.parametrize("directory", KERNEL_DIRS)
def test_kernels_do_not_include_higher_layers(directory):
    offenders = [f"{p.relative_to(CSRC.parent)} includes {inc!r}"
                 for p in kernel_files() if p.relative_to(CSRC).parts[0] == directory
                 for inc in forbidden_includes(p.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders, "kernels must not include the op layer or above:\n" + "\n".join(offenders)
