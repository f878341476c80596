"""The Quick Draw loader on small generated files (cache, checksum, offline error, bad files) and the quality
score's sanity (real held-out digits score far better than noise)."""
import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pydl_gan import data, score

OFFLINE = "http://127.0.0.1:9/nothing.npy"   # the discard port: refused at once, like a machine without network


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path))
    (tmp_path / "quickdraw").mkdir()
    return tmp_path / "quickdraw"


def write_bitmaps(path, n=5):
    raw = (np.arange(n * 784) % 256).astype(np.uint8).reshape(n, 784)
    np.save(path, raw)
    return raw


def test_quickdraw_from_the_cache(cache):
    raw = write_bitmaps(cache / "apple.npy")
    x = data.load_quickdraw("apple", origin=OFFLINE)
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x.reshape(5, 784), raw / 255.0, rtol=1e-6)
    assert data.load_quickdraw("apple", limit=2, origin=OFFLINE).shape == (2, 28, 28, 1)
    digest = hashlib.sha256((cache / "apple.npy").read_bytes()).hexdigest()
    assert data.load_quickdraw("apple", origin=OFFLINE, file_hash=digest).shape[0] == 5
    with pytest.raises(ValueError, match="digest does not match"):
        data.load_quickdraw("apple", origin=OFFLINE, file_hash="0" * 64)


def test_quickdraw_offline_error_names_the_file(cache):
    with pytest.raises(OSError, match=r"quickdraw.cat\.npy.*could not be downloaded"):
        data.load_quickdraw("cat", origin=OFFLINE)
    x, y, which = data.load("auto", category="cat", limit=50)   # auto falls back to the offline digits
    assert x.shape == (50, 28, 28, 1) and y.shape == (50,) and "MNIST" in which


def test_quickdraw_rejects_bad_files_and_arguments(cache):
    np.save(cache / "wrong.npy", np.zeros((3, 10), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(3, 10\).*uint8 \(n, 784\)"):
        data.load_quickdraw("wrong", origin=OFFLINE)
    (cache / "text.npy").write_text("not numpy")
    with pytest.raises(ValueError, match="not a NumPy"):
        data.load_quickdraw("text", origin=OFFLINE)
    with pytest.raises(ValueError, match="category"):
        data.load_quickdraw("../apple")
    write_bitmaps(cache / "apple.npy")
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        data.load_quickdraw("apple", limit=0, origin=OFFLINE)


def test_frechet_distance_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 4))
    s = np.cov(a, rowvar=False)
    assert abs(score.frechet_distance(a.mean(0), s, a.mean(0), s)) < 1e-9
    # diagonal covariances: sum (m1 - m2)^2 + (sqrt(v1) - sqrt(v2))^2
    m1, m2, v1, v2 = np.array([0.0, 1.0]), np.array([2.0, 1.0]), np.array([1.0, 4.0]), np.array([9.0, 1.0])
    expected = ((m1 - m2) ** 2 + (np.sqrt(v1) - np.sqrt(v2)) ** 2).sum()
    assert score.frechet_distance(m1, np.diag(v1), m2, np.diag(v2)) == pytest.approx(expected, rel=1e-9)


def test_score_ranks_real_digits_far_above_noise():
    (x, y), (xv, yv) = data.load_mnist()
    model = score.train_classifier(x[:2000], y[:2000], epochs=3)
    scorer = score.Scorer(model, x[:2000])
    assert (scorer.predict_classes(xv[:500]) == yv[:500]).mean() > 0.8
    real = scorer(xv[:500])
    noise = scorer(np.random.default_rng(0).random((500, 28, 28, 1)).astype(np.float32))
    assert real["frechet"] * 20 < noise["frechet"]
    assert real["confidence"] > 0.8 and real["confidence"] > noise["confidence"] + 0.1
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28, 1\)"):
        scorer(np.zeros((4, 28, 28)))
