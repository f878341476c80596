"""`pydl bench --models`'s LeNet-5 row: the hand-written NumPy LeNet learns, matches pydl's gradients, and the
quick suite produces the row."""
import numpy as np

import pydl
from pydl.bench.suites import lenet
from pydl.bench.suites.numpy_lenet import NumpyLeNet

SIDE = 10  # a tiny image: the flatten is 3*3*64


def _tiny(n, seed):
    rng = np.random.default_rng(seed)
    x, y = lenet.data(n, rng, SIDE)
    return x, y, lenet.initial_weights(rng, SIDE)


def test_numpy_lenet_loss_decreases():
    x, y, w = _tiny(8, 0)
    net = NumpyLeNet(w, dropout=(0.0, 0.0), lr=0.003)
    losses = [net.step(x, y)[0] for _ in range(8)]
    assert losses[-1] < 0.8 * losses[0], losses


def test_numpy_lenet_gradients_match_pydl():
    """One SGD(lr=1) step of pydl from the same weights moves them by minus the gradient: compare that."""
    x, y, w = _tiny(4, 1)
    loss, _, grads = NumpyLeNet(w, dropout=(0.0, 0.0)).gradients(x, y)
    model = lenet.keras_style(pydl, w, side=SIDE, dropout=(0.0, 0.0),
                              optimizer=pydl.optimizers.SGD(learning_rate=1.0))
    got_loss = model.train_on_batch(x, y)
    got_loss = got_loss[0] if isinstance(got_loss, (list, tuple)) else got_loss
    assert abs(got_loss - loss) <= 1e-5 * abs(loss)
    for i, (before, after, g) in enumerate(zip(w, model.get_weights(), grads)):
        delta = np.asarray(before, np.float64) - np.asarray(after, np.float64)
        scale = np.abs(g).max()
        assert scale > 0
        assert np.abs(delta - g).max() <= 1e-4 * scale, (i, np.abs(delta - g).max() / scale)


def test_quick_suite_yields_lenet_row():
    from pydl.bench.suites import SUITES
    rows = [c for c in SUITES["models"](True, None) if c.op == "lenet-5"]
    assert len(rows) == 1 and rows[0].unit == "k samples/s" and set(rows[0].fns) >= {"pydl", "numpy"}
