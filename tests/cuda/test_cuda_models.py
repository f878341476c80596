"""Keras models on CUDA: model.to('cuda') / compile(device=) / fit(device=) move the weights (and optimizer slots)
in place, fit copies each batch once, and training gives the CPU's numbers (same seed, same dropout masks) to
rounding. The GPU tests skip, with the reason, without a CUDA device; the checks at the top run everywhere."""
import numpy as np
import pytest

import pydl
from pydl.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from pydl.models import Sequential, load_model
from pydl.optimizers import SGD, Adam

CUDA = bool(pydl.build_info()["cuda_available"])
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device: pydl.build_info()['cuda_available'] is False")


def mlp(seed=0, dropout=0.0):
    pydl.manual_seed(seed)
    layers = [Dense(32, activation="relu", input_shape=(20,))]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(5, activation="softmax"))
    return Sequential(layers)


def lenet_small(seed=0):
    """The book's LeNet-5 pattern (conv-conv-pool-dropout-dense-dropout-softmax) on 12x12 inputs, plus batch norm."""
    pydl.manual_seed(seed)
    return Sequential([Conv2D(8, (3, 3), activation="relu", input_shape=(12, 12, 1)), Conv2D(16, (3, 3), activation="relu"),
                       MaxPooling2D((2, 2)), BatchNormalization(), Dropout(0.25), Flatten(),
                       Dense(32, activation="relu"), Dropout(0.5), Dense(10, activation="softmax")])


def data(n=64, shape=(20,), classes=5, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n,) + shape).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]
    return x, y


# ---- runs everywhere -----------------------------------------------------------------------------------------

@pytest.mark.skipif(CUDA, reason="a CUDA device is present")
def test_model_to_cuda_without_cuda_raises_and_leaves_model_usable():
    m = mlp()
    m.compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises(pydl.DeviceError, match="cuda"):
        m.to("cuda")
    with pytest.raises(pydl.DeviceError, match="cuda"):
        m.compile(loss="categorical_crossentropy", optimizer="sgd", device="cuda")
    x, y = data()
    with pytest.raises(pydl.DeviceError, match="cuda"):
        m.fit(x, y, epochs=1, verbose=0, device="cuda")
    assert m.device.type == "cpu" and all(w.device.type == "cpu" for w in m.weights)
    assert np.isfinite(m.fit(x, y, epochs=1, verbose=0).history["loss"][0])


@pytest.mark.skipif(CUDA, reason="a CUDA device is present")
def test_unbuilt_model_rejects_a_missing_device_at_once():
    m = Sequential([Dense(8, activation="relu"), Dense(5, activation="softmax")])  # no input shape: no weights yet
    with pytest.raises(pydl.DeviceError, match="cuda"):
        m.compile(loss="categorical_crossentropy", optimizer="sgd", device="cuda")
    assert m.device.type == "cpu"
    x, y = data()
    m.compile(loss="categorical_crossentropy", optimizer="sgd")
    assert np.isfinite(m.fit(x, y, epochs=1, verbose=0).history["loss"][0])
    assert all(w.device.type == "cpu" for w in m.weights)


def test_numpy_views_keep_their_memory_when_the_weight_moves():
    m = mlp()
    kernel = m.layers[0].kernel
    view = kernel.numpy()
    expected = view.copy()
    if CUDA:
        m.to("cuda")
        m.to("cpu")  # the kernel now has new memory; the view still reads the old
    del m, kernel
    np.testing.assert_array_equal(view, expected)


def test_to_cpu_is_a_no_op_that_returns_the_model():
    m = mlp()
    before = m.get_weights()
    assert m.to("cpu") is m and m.cpu() is m
    assert m.device == pydl.device("cpu")
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_move_in_place_needs_a_leaf():
    x = pydl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="leaf"):
        (x * 2)._move_to_("cpu" if not CUDA else "cuda")


def test_unknown_device_name_is_rejected():
    with pytest.raises(Exception, match="tpu"):
        mlp().to("tpu")


# ---- on a GPU ------------------------------------------------------------------------------------------------

def assert_on(model, kind):
    assert model.device.type == kind
    for w in model.weights:
        assert w.device.type == kind, f"a weight of shape {tuple(w.shape)} is on {w.device}"


@needs_cuda
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_mlp_trains_on_cuda_like_on_cpu(optimizer):
    x, y = data()
    cpu, gpu = mlp(), mlp()
    cpu.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    gpu.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    assert gpu.to("cuda") is gpu
    assert_on(gpu, "cuda")
    hc = cpu.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    hg = gpu.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(hg["loss"], hc["loss"], rtol=1e-4)
    np.testing.assert_allclose(hg["accuracy"], hc["accuracy"], atol=1e-6)
    assert_on(gpu, "cuda")
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        assert isinstance(a, np.ndarray)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gpu.predict(x), cpu.predict(x), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gpu.evaluate(x, y, verbose=0), cpu.evaluate(x, y, verbose=0), rtol=1e-4)


@needs_cuda
def test_lenet_pattern_with_dropout_and_batchnorm_matches_cpu():
    x, y = data(n=48, shape=(12, 12, 1), classes=10)
    cpu, gpu = lenet_small(), lenet_small()
    for m in (cpu, gpu):
        m.compile(loss="categorical_crossentropy", optimizer=Adam(lr=1e-3), metrics=["accuracy"])
    gpu.to("cuda")
    pydl.manual_seed(7)  # dropout masks: one counter-based generator for both devices
    hc = cpu.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    pydl.manual_seed(7)
    hg = gpu.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(hg["loss"], hc["loss"], rtol=1e-4)
    assert_on(gpu, "cuda")
    bn = [l for l in gpu.layers if isinstance(l, BatchNormalization)][0]
    bn_cpu = [l for l in cpu.layers if isinstance(l, BatchNormalization)][0]
    np.testing.assert_allclose(np.asarray(bn.moving_variance), np.asarray(bn_cpu.moving_variance), rtol=1e-4)
    np.testing.assert_allclose(gpu.predict(x), cpu.predict(x), rtol=1e-3, atol=1e-5)


@needs_cuda
def test_optimizer_slots_follow_the_model():
    x, y = data()
    a, b = mlp(), mlp()
    for m in (a, b):
        m.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.01))
    for m in (a, b):
        m.train_on_batch(x[:16], y[:16])
    b.to("cuda")
    slot_lists = [s for _, s in b.optimizer._slots.values()]
    assert len(slot_lists) == 4 and all(len(s) == 2 for s in slot_lists)  # Adam's m and v per weight
    for slots in slot_lists:
        assert all(t.device.type == "cuda" for t in slots)
    la = a.train_on_batch(x[16:32], y[16:32])
    lb = b.train_on_batch(x[16:32], y[16:32])
    np.testing.assert_allclose(lb, la, rtol=1e-5)
    b.to("cpu")
    assert_on(b, "cpu")
    np.testing.assert_allclose(b.train_on_batch(x, y), a.train_on_batch(x, y), rtol=1e-4)


@needs_cuda
def test_compile_and_fit_device_arguments_sparse_targets_and_sample_weights():
    x, y = data()
    labels = y.argmax(1)
    w = np.linspace(0.5, 1.5, len(x)).astype(np.float32)
    cpu, gpu = mlp(), mlp()
    cpu.compile(loss="sparse_categorical_crossentropy", optimizer=SGD(lr=0.1), metrics=["accuracy"])
    gpu.compile(loss="sparse_categorical_crossentropy", optimizer=SGD(lr=0.1), metrics=["accuracy"], device="cuda")
    assert_on(gpu, "cuda")
    hc = cpu.fit(x, labels, sample_weight=w, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    hg = gpu.fit(x, labels, sample_weight=w, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(hg["loss"], hc["loss"], rtol=1e-4)
    other = mlp(seed=3)
    other.compile(loss="categorical_crossentropy", optimizer="sgd")
    other.fit(x, y, epochs=1, verbose=0, device="cuda:0")
    assert_on(other, "cuda")


@needs_cuda
def test_weights_set_saved_and_loaded_from_a_cuda_model(tmp_path):
    x, y = data()
    m = mlp()
    m.compile(loss="categorical_crossentropy", optimizer="adam")
    m.to("cuda")
    m.fit(x, y, epochs=1, verbose=0)
    new = [np.full(w.shape, 0.01 * i, np.float32) for i, w in enumerate(m.get_weights())]
    m.set_weights(new)
    assert_on(m, "cuda")
    for a, b in zip(m.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    path = str(tmp_path / "model.pydl")
    m.save(path)
    back = load_model(path)
    assert_on(back, "cpu")
    np.testing.assert_allclose(back.predict(x), m.predict(x), rtol=1e-5, atol=1e-7)
    # a model called directly on NumPy data computes on its device
    out = m(x)
    assert out.device.type == "cuda"


@needs_cuda
def test_layers_added_after_the_move_follow_the_model():
    m = Sequential()
    m.to("cuda")
    m.add(Dense(8, activation="relu", input_shape=(20,)))
    m.add(Dense(5, activation="softmax"))
    assert_on(m, "cuda")
    m.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    x, y = data()
    assert np.isfinite(m.fit(x, y, epochs=1, verbose=0).history["loss"][0])


@needs_cuda
def test_cpu_input_to_a_cuda_layer_names_both_devices():
    layer = Dense(4)
    layer.build((None, 3))
    layer.to("cuda")
    with pytest.raises(pydl.DeviceError, match=r"cuda:0 and cpu|cpu and cuda:0"):
        layer(pydl.tensor(np.ones((2, 3), np.float32)))
