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
