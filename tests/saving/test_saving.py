"""model.save / load_model, save_weights / load_weights: identical predictions after a round trip, the data-only
format (safetensors written by pydl itself, older npz files still read, no code), atomic writes, and clear errors for corrupt files and mismatched weights."""
import json
import os
import zipfile

import numpy as np
import pytest

import pydl
from pydl import layers as L
from pydl.models import Model, Sequential, load_model
from pydl.saving import archive


def deep_net():
    m = Sequential()
    m.add(L.Dense(16, activation="relu", input_shape=(8,)))
    m.add(L.BatchNormalization())
    m.add(L.Dropout(0.2))
    m.add(L.Dense(3, activation="softmax"))
    return m


def functional_net():
    x = L.Input(shape=(8,))
    a = L.Dense(4, activation="tanh", kernel_regularizer=pydl.regularizers.l2(0.01))(x)
    b = L.Dense(4, activation="relu", kernel_initializer="he_normal")(x)
    inner_in = L.Input(shape=(8,))
    inner = Model(inner_in, L.LeakyReLU(0.2)(L.Dense(4)(inner_in)))
    h = L.concatenate([a, b, inner(x)])
    h = L.Reshape((3, 4))(h)
    h = L.Flatten()(h)
    return Model(x, L.Dense(2, activation="sigmoid")(h))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 8)).astype("float32")


@pytest.mark.parametrize("make", [deep_net, functional_net])
def test_model_round_trip_identical_predictions(make, data, tmp_path):
    m = make()
    loss = "categorical_crossentropy" if m.outputs[0].shape[-1] == 3 else "binary_crossentropy"
    y = np.eye(m.outputs[0].shape[-1])[np.arange(32) % m.outputs[0].shape[-1]]
    m.compile(pydl.optimizers.Adam(lr=0.01), loss, metrics=["accuracy"])
    m.fit(data, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model.pydl"
    m.save(str(path))
    m2 = load_model(str(path))
    np.testing.assert_array_equal(m2.predict(data), m.predict(data))
    assert [l.name for l in m2.layers] == [l.name for l in m.layers]
    assert m2.optimizer.get_config() == m.optimizer.get_config()
    assert m2.optimizer.iterations == m.optimizer.iterations
    # training resumes with the same optimizer state: one more step gives the same weights
    pydl.manual_seed(3)  # same dropout mask for both
    m.train_on_batch(data, y)
    pydl.manual_seed(3)
    m2.train_on_batch(data, y)
    for a, b in zip(m.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert m2.metrics_names == m.metrics_names
    with zipfile.ZipFile(path) as z:
        assert {"pydl_format.json", "config.json", "weights.json", "training.json"} <= set(z.namelist())


def test_weights_round_trip_and_older_npz_files(data, tmp_path, monkeypatch):
    m = deep_net()
    path = str(tmp_path / "w.weights")
    m.save_weights(path)
    with zipfile.ZipFile(path) as z:
        assert "weights.safetensors" in z.namelist()  # always: pydl writes the container itself
    m2 = deep_net()
    m2.load_weights(path)
    np.testing.assert_array_equal(m2.predict(data), m.predict(data))
    original = archive.pack_arrays
    monkeypatch.setattr(archive, "pack_arrays", lambda arrays, c=None: original(arrays, "npz"))
    m.save_weights(path)  # what pydl wrote without the safetensors package before it had its own writer
    with zipfile.ZipFile(path) as z:
        assert "weights.npz" in z.namelist()
    m3 = deep_net()
    m3.load_weights(path)
    np.testing.assert_array_equal(m3.predict(data), m.predict(data))
    with pytest.raises(ValueError, match="container must be 'safetensors' or 'npz', got 'pickle'"):
        original({}, "pickle")


def test_mismatched_weights_name_layer_and_shapes(tmp_path):
    m = deep_net()
    path = str(tmp_path / "w")
    m.save_weights(path)
    other = Sequential([L.Dense(16, activation="relu", input_shape=(8,)), L.BatchNormalization(),
                        L.Dense(5, activation="softmax")])
    name = other.layers[2].name
    with pytest.raises(ValueError, match=rf"layer '{name}': weight '{name}/kernel' has shape \(16, 5\) in the "
                                         r"model but the file's '.*kernel' has shape \(16, 3\)"):
        other.load_weights(path)
    fewer = Sequential([L.Dense(3, input_shape=(8,))])
    with pytest.raises(ValueError, match="holds weights for 3 layers .* but the model has 1 layers with weights"):
        fewer.load_weights(path)
    by_name = Sequential([L.Dense(16, input_shape=(8,), name=m.layers[0].name)])
    by_name.load_weights(path, by_name=True)
    np.testing.assert_array_equal(by_name.get_weights()[0], m.get_weights()[0])


def test_corrupt_and_truncated_files_are_rejected(tmp_path):
    m = deep_net()
    good = tmp_path / "m.pydl"
    m.save(str(good))
    raw = good.read_bytes()
    truncated = tmp_path / "t.pydl"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_model(str(truncated))
    flipped = bytearray(raw)
    with zipfile.ZipFile(good) as z:
        info = z.getinfo([n for n in z.namelist() if n.startswith("weights.")
                          and not n.endswith(".json")][0])
    flipped[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF  # inside the stored weights
    bad = tmp_path / "b.pydl"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="truncated or corrupt|corrupt"):
        load_model(str(bad))
    junk = tmp_path / "j.pydl"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="is not a pydl file"):
        load_model(str(junk))
    with pytest.raises(FileNotFoundError):
        load_model(str(tmp_path / "missing.pydl"))
    weights_only = tmp_path / "w.pydl"
    m.save_weights(str(weights_only))
    with pytest.raises(ValueError, match="holds only weights"):
        load_model(str(weights_only))


def test_unknown_class_names_never_resolve_to_code(tmp_path):
    m = deep_net()
    path = tmp_path / "m.pydl"
    m.save(str(path))
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    config["model"]["config"]["layers"][0]["class_name"] = "os.system"
    members["config.json"] = json.dumps(config).encode()
    hacked = tmp_path / "h.pydl"
    with zipfile.ZipFile(hacked, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(ValueError, match="Unknown layer 'os.system'. Valid names: .*Dense"):
        load_model(str(hacked))


def test_lambda_and_custom_activation_need_custom_objects(tmp_path, data):
    def double(t):
        return t * 2.0

    def swish(t):  # a user's own function under a built-in's name: custom_objects wins, as in Keras
        return t * pydl.sigmoid(2.0 * t)
    m = Sequential([L.Dense(4, activation=swish, input_shape=(8,)), L.Lambda(double)])
    path = str(tmp_path / "m.pydl")
    m.save(path)
    with pytest.raises(ValueError, match="pass custom_objects"):
        load_model(path)
    m2 = load_model(path, custom_objects={"double": double, "swish": swish})
    np.testing.assert_array_equal(m2.predict(data), m.predict(data))


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch, data):
    m = deep_net()
    path = tmp_path / "m.pydl"
    m.save(str(path))
    before = path.read_bytes()

    def boom(src, dst):
        raise KeyboardInterrupt("killed mid-write")
    monkeypatch.setattr(os, "replace", boom)
    m.layers[0].set_weights([w + 1 for w in m.layers[0].get_weights()])
    with pytest.raises(KeyboardInterrupt):
        m.save(str(path))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.pydl"]  # no temporary file left behind
    load_model(str(path)).predict(data)
    with pytest.raises(FileExistsError):
        m.save(str(path), overwrite=False)


def test_to_json_and_clone(data):
    m = functional_net()
    clone = pydl.models.model_from_json(m.to_json())
    assert clone.count_params() == m.count_params()
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in m.layers]
    clone.set_weights(m.get_weights())
    np.testing.assert_allclose(clone.predict(data), m.predict(data), rtol=1e-6)


@pytest.mark.parametrize("ext", ["pydl", "keras", "h5"])
def test_models_that_nest_models_load_back(tmp_path, ext):
    """A nested Sequential (and a GAN-style functional model of two models) rebuilds within load_model's weight
    budget: each layer is deserialized once."""
    if ext == "h5":
        pytest.importorskip("h5py")
    from pydl import layers
    inner = pydl.models.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(4)])
    nested = pydl.models.Sequential([inner, layers.BatchNormalization(), layers.Dense(2)])
    g = pydl.models.Sequential([layers.Dense(5, input_shape=(2,)), layers.Dense(3)])
    d = pydl.models.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(1)])
    z = layers.Input((2,))
    gan = pydl.models.Model(z, d(g(z)))
    x = np.random.default_rng(0).random((5, 3), dtype=np.float32)
    zs = np.random.default_rng(1).random((5, 2), dtype=np.float32)
    for model, data in ((nested, x), (gan, zs)):
        model.compile(optimizer="sgd", loss="mse")
        path = tmp_path / f"{model.name}.{ext}"
        model.save(str(path))
        back = pydl.models.load_model(str(path))
        np.testing.assert_array_equal(back.predict(data), model.predict(data))
        assert sum(w.size for w in back.get_weights()) == sum(w.size for w in model.get_weights())
