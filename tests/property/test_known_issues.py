"""One test per named bug (issue #17's list: fuzzops.KNOWN; found by this fuzzer: fuzzops.NEW; both once fixed:
fuzzops.FIXED), xfail until the bug is fixed.

Each draws a fixed set of hostile cases (the fuzz runner's seeded source, so they are the same on every run) and
asserts that none of them shows the bug any more; when the fix lands, the test XPASSes and its mark can go. The two
bugs that corrupt memory run in the crash-isolating runner instead of this process.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import pydl
from fuzzcheck import classify
from fuzzgen import RandSrc
from fuzzops import FAMILIES, FIXED, KNOWN, NEW, any_case, explain

# (family or None for all, number of cases): enough that each named bug shows up at least a few times today
PLAN = [(None, 2500), ("reduction", 1500), ("getitem", 1000), ("setitem", 500), ("binary", 800), ("unary", 600)]
ALL = {**KNOWN, **NEW, **FIXED}
IN_PROCESS = [k for k in ALL if k not in ("gemm-stride", "huge-view", "bool-mask-len")]
RUNNER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fuzz", "runner.py")


def _xfail(key):
    """The xfail mark of a bug still open, none for a fixed one."""
    return () if key in FIXED else pytest.mark.xfail(strict=False, reason=ALL[key])


@pytest.fixture(scope="module")
def findings():
    """issue key -> the (op, outcome, detail) of each hostile case that shows it."""
    out = {}
    for family, n in PLAN:
        for i in range(n):
            src = RandSrc(f"known:{family}:{i}")
            case = FAMILIES[family](src) if family else any_case(src)
            if case.known in ("gemm-stride", "huge-view"):
                continue
            outcome, detail = classify(case, pydl)
            if not outcome.startswith(("ok", "raised:")):
                out.setdefault(explain(case, outcome, detail), []).append((case.op, outcome, detail))
    return out


def test_nothing_unexplained(findings):
    assert None not in findings, findings.get(None)[:3]


@pytest.mark.parametrize("key", [pytest.param(k, marks=_xfail(k)) for k in IN_PROCESS])
def test_named_bug_is_gone(findings, key):
    assert key not in findings, findings[key][:3]


@pytest.mark.parametrize("key,family", [
    pytest.param("gemm-stride", "gemm", marks=_xfail("gemm-stride")),
    pytest.param("huge-view", "shape", marks=_xfail("huge-view"))])
def test_memory_corrupting_bug_is_gone(key, family):
    r = subprocess.run([sys.executable, RUNNER, "--cases", "500" if family == "gemm" else "1000", "--seed", "3",
                        "--families", family],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "findings: 0 cases" in r.stdout, (r.stdout + r.stderr)[-3000:]
    assert f":{key} " not in r.stdout, r.stdout[-3000:]        # known:KEY while open, regressed:KEY once fixed


@pytest.mark.parametrize("key", [np.array([True, True]), (slice(None), np.array([True, True])),
                                 [True, False, True, False], (Ellipsis, np.array([False]))])
def test_bool_mask_of_wrong_length_raises(key):     # too rare in random keys: checked directly, get and set
    x = pydl.zeros(3, 3)
    with pytest.raises(IndexError, match="boolean index"):
        x[key]
    with pytest.raises(IndexError, match="boolean index"):
        x[key] = 1.0
    assert np.array_equal(np.asarray(x), np.zeros((3, 3)))
