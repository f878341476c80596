"""models suite: training throughput of the book's dense networks (ch. 5, 8, 9), the way a user trains them (LeNet-5
of ch. 10 in lenet.py, the sentiment classifiers of ch. 11 in text_models.py).

Each call is one epoch over the same MNIST-shaped data (8,192 random images in [0, 1], labels from a random linear
teacher so that there is something to learn), in order (no shuffling, so every library sees the same batches):
pydl and Keras through `model.fit(..., verbose=0)` with the book's compile(metrics=['accuracy']); PyTorch as an
eager loop (zero_grad, forward, loss, backward, step, loss.item()) on the same nn modules; NumPy as the
hand-written forward/backward of numpy_mlp. All start from the same glorot-uniform weights.

Rows "batch 128" give samples/s. Rows "batch 2" run 128 steps on 2 samples each: nearly no arithmetic, so their
steps/s is each library's fixed cost per training step (Python, dispatch, allocation) -- for pydl, the Python
overhead that fit() adds to the kernels.

The check compares what one epoch from the shared start changed in the weights (every trainable weight, as a
vector), or, for the deep net whose Dropout masks differ between libraries, the epoch's mean loss.
"""
import numpy as np

import pydl

from ..case import Case, register
from . import dqn_agent, gan, lenet, text_models
from .numpy_mlp import NumpyMLP
from .torch_loop import train_epoch

NETS = {  # the book's hyperparameters; "opt": (name, learning rate); names fit the table's op column
    "shallow net": {"hidden": (64,), "act": "sigmoid", "bn": False, "dropout": 0.0, "loss": "mse",
                    "opt": ("sgd", 0.01)},
    "interm. net": {"hidden": (64, 64), "act": "relu", "bn": False, "dropout": 0.0, "loss": "cce",
                    "opt": ("sgd", 0.1)},
    "deep net": {"hidden": (64, 64, 64), "act": "relu", "bn": True, "dropout": 0.2, "loss": "cce",
                 "opt": ("adam", 0.001)},
}
FEATURES, CLASSES = 784, 10


class _Result:
    """What the runner's check reads (via .numpy()), computed only when it asks: timing never pays for it."""

    def __init__(self, fn):
        self.numpy = fn


def initial_weights(spec, rng):
    """Keras order and defaults: glorot-uniform kernels, zero biases; BN gamma 1, beta 0, mean 0, variance 1."""
    def dense(fan_in, units):
        limit = np.sqrt(6 / (fan_in + units))
        return [rng.uniform(-limit, limit, (fan_in, units)).astype(np.float32), np.zeros(units, np.float32)]

    out, fan_in = [], FEATURES
    for units in spec["hidden"]:
        out += dense(fan_in, units)
        if spec["bn"]:
            out += [np.ones(units, np.float32), np.zeros(units, np.float32), np.zeros(units, np.float32),
                    np.ones(units, np.float32)]
        fan_in = units
    return out + dense(fan_in, CLASSES)


def _trainable(spec, weights):
    """The trainable weights (BN's moving statistics left out), flattened into one vector."""
    keep, i = [], 0
    for _ in spec["hidden"]:
        keep += [i, i + 1] + ([i + 2, i + 3] if spec["bn"] else [])
        i += 6 if spec["bn"] else 2
    keep += [i, i + 1]
    return np.concatenate([np.asarray(weights[k], np.float64).ravel() for k in keep])


def keras_style(lib, spec, weights):
    """The book's model through a Keras-compatible API (pydl, or keras itself): Sequential, compile."""
    layers, models, optimizers = lib.layers, lib.models, lib.optimizers
    model = models.Sequential()
    for i, units in enumerate(spec["hidden"]):
        kw = {"input_shape": (FEATURES,)} if i == 0 else {}
        model.add(layers.Dense(units, activation=spec["act"], **kw))
        if spec["bn"]:
            model.add(layers.BatchNormalization())
    if spec["dropout"]:
        model.add(layers.Dropout(spec["dropout"]))
    model.add(layers.Dense(CLASSES, activation="softmax"))
    opt, lr = spec["opt"]
    optimizer = optimizers.SGD(learning_rate=lr) if opt == "sgd" else optimizers.Adam(learning_rate=lr)
    model.compile(loss="mean_squared_error" if spec["loss"] == "mse" else "categorical_crossentropy",
                  optimizer=optimizer, metrics=["accuracy"])
    model.set_weights(weights)
    return model


def _fit_fn(model, spec, x, y, batch, start):
    def epoch():
        hist = model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        loss = hist.history["loss"][-1]
        return _Result(lambda: np.array([loss]) if spec["dropout"]
                       else _trainable(spec, model.get_weights()) - start)
    return epoch


def _numpy_fn(spec, weights, x, y, batch, start):
    net = NumpyMLP(spec, weights)

    def epoch():
        loss = net.fit_epoch(x, y, batch)
        return _Result(lambda: np.array([loss]) if spec["dropout"] else _trainable(spec, net.params) - start)
    return epoch


def _torch_fn(torch, spec, weights, x, y, batch, start):
    nn, F = torch.nn, torch.nn.functional
    mods, i = [], 0
    for units in spec["hidden"]:
        mods += [nn.Linear(weights[i].shape[0], units), nn.Sigmoid() if spec["act"] == "sigmoid" else nn.ReLU()]
        if spec["bn"]:
            # Keras's momentum 0.99 is torch's 0.01 (torch weighs the new batch, Keras the old average)
            mods.append(nn.BatchNorm1d(units, eps=1e-3, momentum=0.01))
        i += 6 if spec["bn"] else 2
    if spec["dropout"]:
        mods.append(nn.Dropout(spec["dropout"]))
    mods.append(nn.Linear(weights[i].shape[0], CLASSES))
    model = nn.Sequential(*mods)
    with torch.no_grad():  # Keras kernels are (in, out); torch's Linear.weight is (out, in)
        for t, w in zip(model.state_dict().values(), _torch_order(spec, weights)):
            t.copy_(torch.from_numpy(np.array(w, order="C")))
    opt, lr = spec["opt"]
    optimizer = torch.optim.SGD(model.parameters(), lr=lr) if opt == "sgd" else \
        torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    xt, yt, labels = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(y.argmax(axis=1))
    mse = spec["loss"] == "mse"
    model.train()

    def loss_of(out, s):
        if mse:
            return F.mse_loss(F.softmax(out, dim=1), yt[s:s + batch])
        return F.cross_entropy(out, labels[s:s + batch])

    def epoch():
        mean = train_epoch(model, optimizer, xt, labels, batch, loss_of)
        return _Result(lambda: np.array([mean]) if spec["dropout"] else
                       _trainable(spec, _keras_order(spec, model)) - start)
    return epoch


def _torch_order(spec, weights):
    """Keras-ordered weights in the order of torch's state_dict (BN adds num_batches_tracked, left at 0)."""
    out, i = [], 0
    for _ in spec["hidden"]:
        out += [weights[i].T, weights[i + 1]]
        if spec["bn"]:
            out += [weights[i + 2], weights[i + 3], weights[i + 4], weights[i + 5], np.zeros((), np.int64)]
        i += 6 if spec["bn"] else 2
    return out + [weights[i].T, weights[i + 1]]


def _keras_order(spec, model):
    sd = [t.detach().numpy() for t in model.state_dict().values()]
    out, j = [], 0
    for _ in spec["hidden"]:
        out += [sd[j].T, sd[j + 1]]
        if spec["bn"]:
            out += sd[j + 2:j + 6]
        j += 7 if spec["bn"] else 2
    return out + [sd[j].T, sd[j + 1]]


def _keras():
    try:
        import keras
        return keras
    except Exception:  # not installed, or no working backend: the suite runs without it
        return None


def _tolerance(spec, overhead):
    """Without dropout the libraries follow the same path (float32 rounding apart); with it, only the epoch's mean
    loss can agree, the closer the more steps it averages (64 batches of 128, or a few dozen of 2)."""
    return (0.15 if overhead else 0.03) if spec["dropout"] else 2e-3


def _case(name, spec, n, batch, torch, keras, rng):
    x = rng.random((n, FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((FEATURES, CLASSES)).astype(np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[((x - 0.5) @ teacher).argmax(axis=1)]
    weights = initial_weights(spec, rng)
    start = _trainable(spec, weights)
    fns = {"pydl": _fit_fn(keras_style(pydl, spec, weights), spec, x, y, batch, start),
           "numpy": _numpy_fn(spec, weights, x, y, batch, start)}
    if torch:
        fns["torch"] = _torch_fn(torch, spec, weights, x, y, batch, start)
    if keras:
        fns["keras"] = _fit_fn(keras_style(keras, spec, weights), spec, x, y, batch, start)
    steps = -(-n // batch)
    overhead = batch < 8
    return Case(name, f"{n}x{FEATURES}, batch {batch}", "steps/s" if overhead else "k samples/s",
                steps if overhead else n, fns, tol=_tolerance(spec, overhead),
                scale=1.0 if overhead else 1e3)


@register("models", default=False)
def cases(quick, torch):
    rng = np.random.default_rng(0)
    keras = _keras()
    n = 2048 if quick else 8192
    for name, spec in NETS.items():
        yield _case(name, spec, n, 128, torch, keras, rng)
    yield from lenet.cases(quick, torch, keras)
    yield from text_models.cases(quick, torch)
    yield from gan.cases(quick, torch, keras)
    for name, spec in NETS.items():
        yield _case(name, spec, 32 if quick else 256, 2, torch, keras, rng)
    yield from dqn_agent.cases(quick, torch, keras)
