"""Thread pool: settings, results independent of thread count, survival across fork."""
import multiprocessing

import numpy as np
import pytest

import pydl


def test_set_get_num_threads(restore_threads):
    pydl.set_num_threads(2)
    assert pydl.get_num_threads() == 2
    pydl.set_num_threads(1)
    assert pydl.get_num_threads() == 1
    assert pydl.build_info()["num_threads"] == 1


def test_sum_bit_identical_across_thread_counts(restore_threads, rng):
    a = rng.random(1_000_000, dtype=np.float32)
    x = pydl.from_numpy(a)
    results = []
    for n in (1, 2):
        pydl.set_num_threads(n)
        results.append(np.asarray(pydl.sum(x).numpy()))
    assert np.array_equal(results[0], results[1]), results
    np.testing.assert_allclose(float(results[0]), a.astype(np.float64).sum(), rtol=1e-5)


def test_randn_bit_identical_across_thread_counts(restore_threads):
    draws = []
    for n in (1, 2):
        pydl.set_num_threads(n)
        pydl.manual_seed(7)
        draws.append(np.asarray(pydl.randn(1_000_000).numpy()))
    assert np.array_equal(draws[0], draws[1])
    assert abs(draws[0].mean()) < 0.01


def _child_work():
    pydl.set_num_threads(2)
    m = pydl.ones(256, 256)
    prod = pydl.matmul(m, m)
    s = pydl.sum(pydl.ones(1_000_000, dtype="float64"))
    return float(prod.numpy().min()), float(prod.numpy().max()), s.item()


def test_thread_pool_works_in_forked_child(restore_threads):
    pydl.set_num_threads(2)
    big = pydl.ones(1_000_000)
    assert pydl.sum(big).item() == 1_000_000.0            # pool is alive before the fork
    pydl.matmul(pydl.ones(128, 128), pydl.ones(128, 128))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        lo, hi, s = pool.apply_async(_child_work).get(timeout=60)
    assert lo == hi == 256.0 and s == 1_000_000.0
    assert pydl.sum(big).item() == 1_000_000.0            # parent still fine after the fork


# ---- issue #17: fork, exit and set_num_threads while other threads work (each in a child: a hang or crash
# fails the test instead of the run) ----

def _run_script(code, timeout=120):
    import subprocess
    import sys
    import textwrap
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


def test_fork_while_another_thread_allocates_big_tensors():
    r = _run_script("""
        import os, threading, pydl
        stop = False
        def churn():
            while not stop:
                for _ in range(50):
                    pydl.empty(1 << 19)                     # 2 MiB: the allocator's locked large-block path
                    pydl.ones(300_000, dtype="float64")
        ts = [threading.Thread(target=churn) for _ in range(2)]
        for t in ts: t.start()
        for i in range(200):
            pid = os.fork()
            if pid == 0:                                    # the child allocates big blocks and computes
                ok = pydl.ones(1 << 20).sum().item() == float(1 << 20) and pydl.randn(1 << 18).shape == (1 << 18,)
                os._exit(0 if ok else 3)
            _, status = os.waitpid(pid, 0)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        stop = True
        for t in ts: t.join()
        print("forks ok")
    """, timeout=120)
    assert r.returncode == 0 and "forks ok" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("delay", [0.05, 0.3])
def test_daemon_thread_inside_pydl_at_exit_exits_cleanly(delay):
    r = _run_script(f"""
        import threading, time, pydl
        def loop():
            a, x, w = pydl.ones(300, 300), pydl.ones(2, 32, 32, 8), pydl.ones(3, 3, 8, 8)
            while True:
                pydl.matmul(a, a); pydl.ops.conv2d(x, w); pydl.ones(1 << 20).sum()
        for _ in range(2):
            threading.Thread(target=loop, daemon=True).start()
        time.sleep({delay})
        print("main done")
    """, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "main done" in r.stdout and "terminate called" not in r.stderr, r.stderr


def test_set_num_threads_while_other_threads_compute():
    r = _run_script("""
        import threading, time, numpy as np, pydl
        a_np = np.random.default_rng(0).standard_normal((200, 200)).astype(np.float32)
        a = pydl.from_numpy(a_np)
        x, w = pydl.ones(2, 24, 24, 8), pydl.ones(3, 3, 8, 16)
        want_mm, want_conv = np.asarray(pydl.matmul(a, a)), np.asarray(pydl.ops.conv2d(x, w))
        bad, stop = [], False
        def work():
            while not stop:
                if not np.array_equal(np.asarray(pydl.matmul(a, a)), want_mm): bad.append("matmul")
                if not np.array_equal(np.asarray(pydl.ops.conv2d(x, w)), want_conv): bad.append("conv2d")
        ts = [threading.Thread(target=work) for _ in range(3)]
        for t in ts: t.start()
        for i in range(300):
            pydl.set_num_threads(1 + i % 2)
            time.sleep(0.002)
        stop = True
        for t in ts: t.join()
        print("bad:", sorted(set(bad)))
    """, timeout=120)
    assert r.returncode == 0 and "bad: []" in r.stdout, r.stdout + r.stderr
