"""Smoke test of the fuzz runner: it reports a table, and a case that kills its process is a crash with a
reproducer (the hidden --self-test-crash N makes case N call os.abort())."""
import os
import subprocess
import sys

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")


def test_runner_reports_table_and_isolates_a_crash():
    r = subprocess.run([sys.executable, RUNNER, "--cases", "200", "--seed", "0", "--workers", "2",
                        "--batch", "50", "--self-test-crash", "17"], capture_output=True, text=True, timeout=240)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert out.startswith("pydl fuzz: 200 cases, seed 0"), out[:500]
    assert "outcome" in out and "\nok " in out
    counts = {ln.split()[0]: int(ln.split()[1]) for ln in out.split("\n\n")[1].splitlines()[1:]}
    assert sum(counts.values()) == 200 and counts["crash:SIGABRT"] == 1, counts
    block = out[out.index("== [crash]"):]
    assert "e.g. #17;" in block.splitlines()[0]
    assert "alone in a fresh process: crash:SIGABRT" in block
    assert "import pydl" in block and "out = " in block     # the reproducer
