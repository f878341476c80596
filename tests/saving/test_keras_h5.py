"""Loading Keras 2 HDF5 weight files (built here with h5py in Keras's layout)."""
import numpy as np
import pytest

from pydl import layers as L
from pydl.models import Sequential

h5py = pytest.importorskip("h5py")


def write_keras_weights(path, layers, under_model_weights=False):
    """layers: [(name, [(weight name, array)])] in Keras 2's save_weights layout."""
    with h5py.File(path, "w") as f:
        g = f.create_group("model_weights") if under_model_weights else f
        g.attrs["layer_names"] = [n.encode() for n, _ in layers]
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.2.4"
        for name, ws in layers:
            lg = g.create_group(name)
            lg.attrs["weight_names"] = [w.encode() for w, _ in ws]
            for w, a in ws:
                lg.create_dataset(w, data=a)


@pytest.mark.parametrize("nested", [False, True])
def test_keras_h5_weights_predict_the_same(tmp_path, nested):
    rng = np.random.default_rng(0)
    k1, b1 = rng.standard_normal((6, 4)).astype("float32"), rng.standard_normal(4).astype("float32")
    g, be = rng.random(4).astype("float32") + 0.5, rng.standard_normal(4).astype("float32")
    mm, mv = rng.standard_normal(4).astype("float32"), rng.random(4).astype("float32") + 0.5
    k2, b2 = rng.standard_normal((4, 2)).astype("float32"), rng.standard_normal(2).astype("float32")
    path = str(tmp_path / "keras.h5")
    write_keras_weights(path, [
        ("dense_1", [("dense_1/kernel:0", k1), ("dense_1/bias:0", b1)]),
        ("batch_normalization_1", [("batch_normalization_1/gamma:0", g), ("batch_normalization_1/beta:0", be),
                                   ("batch_normalization_1/moving_mean:0", mm),
                                   ("batch_normalization_1/moving_variance:0", mv)]),
        ("dropout_1", []),
        ("dense_2", [("dense_2/kernel:0", k2), ("dense_2/bias:0", b2)]),
    ], under_model_weights=nested)
    m = Sequential([L.Dense(4, activation="relu", input_shape=(6,)), L.BatchNormalization(), L.Dropout(0.5),
                    L.Dense(2, activation="softmax")])
    m.load_weights(path)
    x = rng.standard_normal((5, 6)).astype("float32")
    h = np.maximum(x @ k1 + b1, 0)
    h = (h - mm) / np.sqrt(mv + 1e-3) * g + be
    z = h @ k2 + b2
    ref = np.exp(z - z.max(1, keepdims=True))
    ref /= ref.sum(1, keepdims=True)
    np.testing.assert_allclose(m.predict(x), ref, rtol=1e-5, atol=1e-6)


def test_keras_h5_mismatch_and_load_model_refusal(tmp_path):
    path = str(tmp_path / "k.h5")
    write_keras_weights(path, [("dense_1", [("dense_1/kernel:0", np.zeros((3, 2), "float32")),
                                            ("dense_1/bias:0", np.zeros(2, "float32"))])])
    m = Sequential([L.Dense(5, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"weight '.*kernel' has shape \(3, 5\) in the model but the file's "
                                         r"'dense_1/kernel:0' has shape \(3, 2\)"):
        m.load_weights(path)
    from pydl.models import load_model
    with pytest.raises(ValueError, match="pydl loads only weights from HDF5"):
        load_model(path)
