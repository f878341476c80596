"""The models suite's "lenet-5" row: training throughput of the book's LeNet-5 (ch. 10), the way a user trains it.

Conv2D(32, 3x3, relu) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Dropout(.25) -> Flatten -> Dense(128, relu)
-> Dropout(.5) -> Dense(10, softmax), Adam, categorical cross-entropy. Each call is one epoch, in order, batch 128,
over 1,024 random 28x28x1 images (quick: 256) with labels from a random linear teacher: pydl (and Keras, if it is
installed) through `model.fit(verbose=0, shuffle=False)`; PyTorch as an eager loop on the same nn.Sequential;
NumPy as the hand-written forward/backward of numpy_lenet. All start from the same glorot-uniform weights.
Dropout masks differ between libraries, so the check compares the epoch's mean loss.
"""
import numpy as np

import pydl

from ..case import Case
from .numpy_lenet import NumpyLeNet
from .torch_loop import train_epoch

SIDE, CLASSES, LR, DROPOUT = 28, 10, 0.001, (0.25, 0.5)


def initial_weights(rng, side=SIDE):
    """Keras shapes and defaults: glorot-uniform kernels (conv fans are kh*kw*in and kh*kw*out), zero biases."""
    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(np.float32)

    flat = ((side - 4) // 2) ** 2 * 64
    return [glorot((3, 3, 1, 32), 9, 9 * 32), np.zeros(32, np.float32),
            glorot((3, 3, 32, 64), 9 * 32, 9 * 64), np.zeros(64, np.float32),
            glorot((flat, 128), flat, 128), np.zeros(128, np.float32),
            glorot((128, CLASSES), 128, CLASSES), np.zeros(CLASSES, np.float32)]


def keras_style(lib, weights, side=SIDE, dropout=DROPOUT, optimizer=None):
    """The book's LeNet through a Keras-compatible API (pydl, or keras itself)."""
    layers = lib.layers
    model = lib.models.Sequential([
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(side, side, 1)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(dropout[0]),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(dropout[1]),
        layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer=optimizer or lib.optimizers.Adam(learning_rate=LR),
                  metrics=["accuracy"])
    model.set_weights(weights)
    return model


class _Result:
    def __init__(self, loss):
        self.numpy = lambda: np.array([loss])


def _fit_fn(model, x, y, batch):
    def epoch():
        return _Result(model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False).history["loss"][-1])
    return epoch


def _numpy_fn(weights, x, y, batch):
    net = NumpyLeNet(weights, DROPOUT, LR)
    return lambda: _Result(net.fit_epoch(x, y, batch))


def torch_model(torch, weights, side=SIDE, dropout=DROPOUT):
    """The same net as an nn.Sequential (NCHW); the first Dense's rows are permuted from Keras's (h, w, c)
    flatten order to torch's (c, h, w)."""
    nn = torch.nn
    flat = weights[4].shape[0]
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(dropout[0]), nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(),
                          nn.Dropout(dropout[1]), nn.Linear(128, CLASSES))
    hp = (side - 4) // 2
    w3 = weights[4].reshape(hp, hp, 64, 128).transpose(2, 0, 1, 3).reshape(flat, 128)
    ordered = [weights[0].transpose(3, 2, 0, 1), weights[1], weights[2].transpose(3, 2, 0, 1), weights[3],
               w3.T, weights[5], weights[6].T, weights[7]]
    with torch.no_grad():
        for t, w in zip(model.state_dict().values(), ordered):
            t.copy_(torch.from_numpy(np.ascontiguousarray(w)))
    return model


def _torch_fn(torch, weights, x, y, batch):
    F = torch.nn.functional
    model = torch_model(torch, weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-7)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(y.argmax(axis=1))
    model.train()

    def epoch():
        return _Result(train_epoch(model, optimizer, xt, labels, batch,
                                   lambda out, s: F.cross_entropy(out, labels[s:s + batch])))
    return epoch


def data(n, rng, side=SIDE):
    x = rng.random((n, side, side, 1), dtype=np.float32)
    teacher = rng.standard_normal((side * side, CLASSES)).astype(np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[((x.reshape(n, -1) - 0.5) @ teacher).argmax(axis=1)]
    return x, y


def cases(quick, torch, keras=None):
    """Registered through models.cases (same suite, same table)."""
    rng = np.random.default_rng(5)
    n, batch = (256 if quick else 1024), 128
    x, y = data(n, rng)
    weights = initial_weights(rng)
    fns = {"pydl": _fit_fn(keras_style(pydl, weights), x, y, batch), "numpy": _numpy_fn(weights, x, y, batch)}
    if torch:
        fns["torch"] = _torch_fn(torch, weights, x, y, batch)
    if keras:
        fns["keras"] = _fit_fn(keras_style(keras, weights), x, y, batch)
    # only the mean loss can agree (Dropout masks differ); it averages just 2 (quick) or 8 batches
    yield Case("lenet-5", f"{n}x{SIDE}x{SIDE}x1, batch {batch}", "k samples/s", n, fns,
               tol=0.1 if quick else 0.05, scale=1e3)
