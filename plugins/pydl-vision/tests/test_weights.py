"""weights=: pydl files, Keras-layout HDF5 files (by name and by order), URLs with a SHA-256 (file:// here), the
cache, and the errors for a bad checksum, an uncached file offline, and missing layers."""
import hashlib
import os
import urllib.error
import urllib.request

import numpy as np
import pytest

from pydl import layers
from pydl.models import Model

from pydl_vision import models
from pydl_vision.models import weights as W

h5py = pytest.importorskip("h5py")


def _same(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(x, y) for x, y in zip(wa, wb))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "weights"


def test_local_pydl_files_round_trip(tmp_path):
    src = models.lenet5(input_shape=(12, 12, 1), classes=3)
    src.save_weights(str(tmp_path / "w.pydl"))
    src.save(str(tmp_path / "m.pydl"))
    fresh = models.lenet5(input_shape=(12, 12, 1), classes=3)
    assert not _same(src, fresh)                       # different random init, so loading has work to do
    assert _same(src, models.lenet5(input_shape=(12, 12, 1), classes=3, weights=str(tmp_path / "w.pydl")))
    assert _same(src, models.lenet5(input_shape=(12, 12, 1), classes=3, weights=tmp_path / "m.pydl"))
    with pytest.raises(FileNotFoundError, match="nope.pydl"):
        models.lenet5(weights=str(tmp_path / "nope.pydl"))


def write_keras_h5(path, entries):
    """A file laid out like Keras 2's save_weights: layer_names, each group's weight_names, 'layer/kernel:0' sets."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n, _ in entries]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.13.1"
        for lname, ws in entries:
            g = f.create_group(lname)
            g.attrs["weight_names"] = [f"{lname}/{w}:0".encode() for w, _ in ws]
            for w, a in ws:
                g.create_dataset(f"{lname}/{w}:0", data=a)


def _tiny_vgg_like(top):
    inp = layers.Input(shape=(6, 6, 2))
    x = layers.Conv2D(3, 3, padding="same", name="block1_conv1")(inp)
    x = layers.MaxPooling2D(2, name="block1_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4, name="fc1")(x)
    if top:
        x = layers.Dense(2, name="predictions")(x)
    return Model(inp, x)


def test_keras_h5_by_name_into_a_headless_model(tmp_path):
    rng = np.random.default_rng(0)
    k, b = rng.standard_normal((3, 3, 2, 3)).astype("f4"), rng.standard_normal(3).astype("f4")
    fk, fb = rng.standard_normal((27, 4)).astype("f4"), rng.standard_normal(4).astype("f4")
    # file order differs from the model's and it also holds the top layer: matched by name
    path = str(tmp_path / "keras.h5")
    write_keras_h5(path, [("input_1", []), ("fc1", [("kernel", fk), ("bias", fb)]),
                          ("predictions", [("kernel", np.ones((4, 2), "f4")), ("bias", np.zeros(2, "f4"))]),
                          ("block1_conv1", [("kernel", k), ("bias", b)])])
    m = _tiny_vgg_like(top=False)
    assert W.load_into(m, path) == path
    np.testing.assert_array_equal(m.get_layer("block1_conv1").get_weights()[0], k)
    np.testing.assert_array_equal(m.get_layer("fc1").get_weights()[1], fb)
    with pytest.raises(ValueError, match="predictions"):  # a layer of the model that the file lacks
        write_keras_h5(path, [("block1_conv1", [("kernel", k), ("bias", b)])])
        W.load_into(_tiny_vgg_like(top=True), path)


def test_keras_h5_by_order_for_a_sequential_model(tmp_path):
    # Keras names (conv2d, conv2d_1, dense, dense_1) differ from pydl's automatic names: loaded by order
    ref = models.lenet5(input_shape=(8, 8, 1), classes=3)
    entries = [(n, [("kernel", w[0]), ("bias", w[1])]) for n, w in
               zip(["conv2d", "conv2d_1", "dense", "dense_1"], [l.get_weights() for l in ref.layers if l.weights])]
    write_keras_h5(str(tmp_path / "lenet.h5"), entries)
    assert _same(ref, models.lenet5(input_shape=(8, 8, 1), classes=3, weights=str(tmp_path / "lenet.h5")))


def _published(tmp_path):
    src = models.lenet5(input_shape=(8, 8, 1), classes=3)
    path = tmp_path / "published" / "lenet small.pydl"
    path.parent.mkdir()
    src.save_weights(str(path))
    return src, path.as_uri(), hashlib.sha256(path.read_bytes()).hexdigest()


def test_url_download_checksum_and_cache(tmp_path, cache, monkeypatch):
    src, url, sha = _published(tmp_path)
    m = models.lenet5(input_shape=(8, 8, 1), classes=3, weights=(url, sha))
    assert _same(src, m)
    cached = cache / "lenet small.pydl"
    assert cached.exists() and [p.name for p in cache.iterdir()] == ["lenet small.pydl"]   # no .part left
    # cached: no network needed, whichever spelling of the spec
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded a cached file"))
    assert _same(src, models.lenet5(input_shape=(8, 8, 1), classes=3, weights={"url": url, "sha256": sha.upper()}))
    assert _same(src, models.lenet5(input_shape=(8, 8, 1), classes=3, weights=f"{url}#sha256={sha}"))


def test_bad_checksum_saves_nothing(tmp_path, cache):
    _, url, sha = _published(tmp_path)
    wrong = "0" * 64
    with pytest.raises(ValueError, match=f"{sha}.*not the expected {wrong}"):
        W.fetch(url, wrong)
    assert not cache.exists() or list(cache.iterdir()) == []
    os.makedirs(cache, exist_ok=True)
    (cache / "lenet small.pydl").write_bytes(b"damaged")
    with pytest.raises(ValueError, match="Delete it"):
        W.fetch(url, sha)


def test_offline_and_uncached_names_url_and_path(cache, monkeypatch):
    def offline(*a, **k):
        raise urllib.error.URLError("network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    url = "https://example.org/weights/vgg16_small.h5"
    with pytest.raises(OSError) as e:
        models.lenet5(weights=(url, "a" * 64))
    msg = str(e.value)
    assert url in msg and str(cache / "vgg16_small.h5") in msg and "network is unreachable" in msg
    assert not cache.exists() or list(cache.iterdir()) == []


def test_imagenet_uncached_and_bad_specs(cache, monkeypatch):
    def offline(*a, **k):
        raise urllib.error.URLError("network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError) as e:
        models.resnet50(include_top=False, input_shape=(32, 32, 3), weights="imagenet")
    assert "keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5" in str(e.value)
    assert str(cache / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5") in str(e.value)
    assert "network is unreachable" in str(e.value)
    with pytest.raises(ValueError, match="no checksum"):
        models.lenet5(weights="https://example.org/w.h5")
    with pytest.raises(ValueError, match="64 hex"):
        W.fetch("https://example.org/w.h5", "abc")
    with pytest.raises(TypeError):
        models.lenet5(weights=3)


def test_imagenet_is_downloaded_once_and_checked_with_kerass_md5(tmp_path, cache, monkeypatch):
    """weights='imagenet' fetches Keras's file into the cache like keras.applications (served here from a file://
    folder laid out like Keras's bucket), checks Keras's published MD5, and reads the cache afterwards."""
    src = models.vgg16(include_top=False, input_shape=(32, 32, 3))
    fname = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    bucket = tmp_path / "bucket"
    (bucket / "vgg16").mkdir(parents=True)
    write_keras_h5(bucket / "vgg16" / fname, [(l.name, [("kernel", l.get_weights()[0]), ("bias", l.get_weights()[1])])
                                              for l in src.layers if l.get_weights()])
    md5 = hashlib.md5((bucket / "vgg16" / fname).read_bytes()).hexdigest()
    monkeypatch.setattr(W, "KERAS_APPLICATIONS", bucket.as_uri() + "/")
    monkeypatch.setitem(W.KERAS_IMAGENET_MD5, fname, "0" * 32)
    with pytest.raises(ValueError, match="MD5 .* not the expected 0{32}"):
        models.vgg16(include_top=False, input_shape=(32, 32, 3), weights="imagenet")
    assert not cache.exists() or list(cache.iterdir()) == []  # a download that fails its check is not kept
    monkeypatch.setitem(W.KERAS_IMAGENET_MD5, fname, md5)
    assert _same(src, models.vgg16(include_top=False, input_shape=(32, 32, 3), weights="imagenet"))
    assert (cache / fname).exists()
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded a cached file"))
    assert _same(src, models.vgg16(include_top=False, input_shape=(32, 32, 3), weights="imagenet"))
