"""Shared fixtures: seeded RNG, tolerance-aware comparison, non-contiguous inputs."""
import os
import tempfile

import numpy as np
import pytest
from hypothesis.configuration import set_hypothesis_home_dir

import pydl

# keep hypothesis' cache out of the repository
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="pydl-hypothesis-"))

# (rtol, atol) per dtype when comparing against a float64 NumPy reference.
TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-12)}


def to_numpy(x):
    """Tensor / array / scalar -> ndarray (0-d kept as 0-d)."""
    if isinstance(x, pydl.Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


def check_close(actual, expected, dtype, scale=1.0):
    """Compare with the dtype's tolerance; `scale` widens atol for sums of many terms."""
    rtol, atol = TOLERANCES[str(dtype)]
    got = to_numpy(actual)
    exp = np.asarray(expected)
    assert got.shape == exp.shape, f"shape {got.shape} != expected {exp.shape}"
    np.testing.assert_allclose(got.astype(np.float64), exp, rtol=rtol,
                               atol=atol * max(1.0, scale), equal_nan=False)


def make_noncontig(a, how="step"):
    """A pydl tensor with a's values whose memory layout is NOT contiguous.

    step: every other element of a (..., 2) buffer; T: transposed copy seen
    through .T; flip: reversed copy seen through a negative-step slice.
    """
    a = np.asarray(a)
    if how == "T" and a.ndim >= 2:
        return pydl.tensor(np.ascontiguousarray(a.T)).T
    if how == "flip" and a.ndim >= 1:
        return pydl.tensor(np.ascontiguousarray(a[::-1]))[::-1]
    big = np.zeros(a.shape + (2,), dtype=a.dtype)
    big[..., 0] = a
    return pydl.from_numpy(big)[..., 0]


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


@pytest.fixture
def assert_close():
    return check_close


@pytest.fixture
def noncontig():
    return make_noncontig


@pytest.fixture
def restore_threads():
    n = pydl.get_num_threads()
    yield
    pydl.set_num_threads(n)


@pytest.fixture(scope="session", autouse=True)
def _outside_source_tree(tmp_path_factory):
    """Run the session from a temporary directory: Python subprocesses started from the repository root would
    import the source tree's pydl/ (which has no compiled _C) instead of the installed package."""
    old = os.getcwd()
    os.chdir(tmp_path_factory.getbasetemp())
    yield
    os.chdir(old)
