"""rnn suite: one LSTM layer forward + backpropagation through time at the book's LSTM classifier shape scaled
down (the book: batch 128, 100 steps, 64 features, 256 units), pydl's one-op sequence vs a NumPy step loop.
Both return the kernel's gradient of sum(h_T)."""
import numpy as np

import pydl

from ..case import Case, register


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def numpy_lstm_grad(x, w, r, b):
    """Forward step loop, then BPTT of sum(h_T): returns d kernel."""
    B, T, _ = x.shape
    U = r.shape[0]
    h, c = np.zeros((B, U), x.dtype), np.zeros((B, U), x.dtype)
    xw = x @ w + b
    hs, cs, gs = [h], [c], []
    for t in range(T):
        z = xw[:, t] + h @ r
        i, f, g, o = _sig(z[:, :U]), _sig(z[:, U:2 * U]), np.tanh(z[:, 2 * U:3 * U]), _sig(z[:, 3 * U:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h), cs.append(c), gs.append((i, f, g, o))
    dh, dc = np.ones((B, U), x.dtype), np.zeros((B, U), x.dtype)
    dz = np.empty((B, T, 4 * U), x.dtype)
    for t in range(T - 1, -1, -1):
        i, f, g, o = gs[t]
        tc = np.tanh(cs[t + 1])
        dct = dc + dh * o * (1 - tc * tc)
        dz[:, t] = np.concatenate([dct * g * i * (1 - i), dct * cs[t] * f * (1 - f), dct * i * (1 - g * g),
                                   dh * tc * o * (1 - o)], 1)
        dc = dct * f
        dh = dz[:, t] @ r.T
    return x.reshape(B * T, -1).T @ dz.reshape(B * T, -1)


@register("rnn")
def cases(quick, torch):
    rng = np.random.default_rng(0)
    B, T, F, U = (16, 10, 64, 64) if quick else (32, 25, 64, 128)
    x = rng.standard_normal((B, T, F), dtype=np.float32)
    w = (rng.standard_normal((F, 4 * U), dtype=np.float32) * 0.1)
    r = (rng.standard_normal((U, 4 * U), dtype=np.float32) * 0.1)
    b = np.zeros(4 * U, np.float32)
    px, pr, pb = pydl.from_numpy(x), pydl.from_numpy(r), pydl.from_numpy(b)
    pw = pydl.from_numpy(w.copy())
    pw.requires_grad = True

    def run_pydl():
        pw.grad = None
        _, (h, _c) = pydl.ops.lstm(px, pw, pr, pb)
        h.sum().backward()
        return pw.grad

    flops = 3 * 2.0 * B * T * 4 * U * (F + U)  # forward and twice as much backward, GEMMs only
    yield Case("lstm fwd+bwd", f"{B}x{T}x{F} -> {U} units", "GFLOP/s", flops,
               {"pydl": run_pydl, "numpy": lambda: numpy_lstm_grad(x, w, r, b)}, tol=1e-3)
