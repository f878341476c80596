"""model.save('m.h5') / save_weights('w.h5') write real HDF5 in Keras 2's layout (never a pydl ZIP under an .h5
name), which pydl and Keras-layout readers load; without h5py they refuse with a message naming the fix."""
import builtins
import json

import numpy as np
import pytest

import pydl
from pydl.layers import Dense, Dropout
from pydl.models import Sequential, load_model

h5py = pytest.importorskip("h5py")


def model():
    pydl.utils.set_random_seed(3)
    m = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dropout(0.1), Dense(2, activation="softmax")])
    m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return m


X = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")


def test_save_writes_keras2_layout_and_loads_back(tmp_path):
    m, path = model(), tmp_path / "m.h5"
    m.save(path)
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    with h5py.File(path, "r") as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        assert json.loads(f.attrs["training_config"])["loss"] == "categorical_crossentropy"
        g = f["model_weights"]
        names = [n.decode() for n in g.attrs["layer_names"]]
        assert names == [m.layers[0].name, m.layers[2].name]  # only layers with weights, as Keras writes
        first = g[names[0]]
        assert [w.decode() for w in first.attrs["weight_names"]] == [f"{names[0]}/kernel:0", f"{names[0]}/bias:0"]
        np.testing.assert_array_equal(first[f"{names[0]}/kernel:0"][()], m.layers[0].get_weights()[0])
    back = load_model(path)
    np.testing.assert_allclose(back.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-6)
    back.fit(X, np.eye(2, dtype="float32")[[0, 1, 0, 1, 0]], epochs=1, verbose=0)  # compiled from the file


def test_save_weights_h5_loads_into_a_fresh_model(tmp_path):
    m, path = model(), str(tmp_path / "w.hdf5")
    m.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "layer_names" in f.attrs and f.attrs["backend"] == "pydl"
    other = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dropout(0.1), Dense(2, activation="softmax")])
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-6)


def test_other_hdf5_files_still_give_weights_only(tmp_path):
    path = tmp_path / "keras.h5"
    model().save_weights(path)  # no model_config: like a Keras weights file
    with pytest.raises(ValueError, match="pydl loads only weights from HDF5"):
        load_model(path)


def test_without_h5py_saving_to_h5_refuses_and_writes_nothing(tmp_path, monkeypatch):
    real = builtins.__import__

    def no_h5py(name, *args, **kwargs):
        if name == "h5py":
            raise ImportError("No module named 'h5py'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_h5py)
    m = model()
    for save in (m.save, m.save_weights):
        with pytest.raises(ImportError, match=r"Keras 2's HDF5 format, which needs h5py .*\.pydl path"):
            save(tmp_path / "m.h5")
    assert list(tmp_path.iterdir()) == []
    m.save(tmp_path / "m.pydl")  # pydl's own format needs no extra package
    assert (tmp_path / "m.pydl").read_bytes()[:2] == b"PK"
