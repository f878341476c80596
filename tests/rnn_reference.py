"""A NumPy fp64 step loop for the recurrent op (SimpleRNN, LSTM, GRU with and without reset_after): the reference
that the op tests (tests/ops) and the layer tests (tests/layers) compare with."""
import numpy as np

G = {"simple_rnn": 1, "lstm": 4, "gru": 3, "gru_reset_after": 3}


def _act(name, v):
    return {"tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "relu": lambda a: np.maximum(a, 0),
            "hard_sigmoid": lambda a: np.clip(0.2 * a + 0.5, 0, 1), "linear": lambda a: a}[name](v)


def reference(cell, x, w, r, b=None, rb=None, h0=None, c0=None, mask=None, rmask=None, act="tanh",
              ract="sigmoid", go_backwards=False):
    """Keras 2 semantics, one step at a time: returns the packed (B, T, S*U) states."""
    B, T, _ = x.shape
    U = r.shape[0]
    h = np.zeros((B, U)) if h0 is None else h0.astype(np.float64)
    c = np.zeros((B, U)) if c0 is None else c0.astype(np.float64)
    out = []
    for s in range(T):
        t = T - 1 - s if go_backwards else s
        hm = h * rmask if rmask is not None else h
        xw = x[:, t] @ w + (0 if b is None else b)
        if cell == "simple_rnn":
            hn, cn = _act(act, xw + hm @ r), c
        elif cell == "lstm":
            z = xw + hm @ r
            i, f, g, o = (z[:, k * U:(k + 1) * U] for k in range(4))
            cn = _act(ract, f) * c + _act(ract, i) * _act(act, g)
            hn = _act(ract, o) * _act(act, cn)
        elif cell == "gru":
            zr = _act(ract, xw[:, :2 * U] + hm @ r[:, :2 * U])
            z, rr = zr[:, :U], zr[:, U:]
            hh = _act(act, xw[:, 2 * U:] + (rr * hm) @ r[:, 2 * U:])
            hn, cn = z * h + (1 - z) * hh, c
        else:
            rec = hm @ r + (0 if rb is None else rb)
            zr = _act(ract, xw[:, :2 * U] + rec[:, :2 * U])
            z, rr = zr[:, :U], zr[:, U:]
            hh = _act(act, xw[:, 2 * U:] + rr * rec[:, 2 * U:])
            hn, cn = z * h + (1 - z) * hh, c
        if mask is not None:
            keep = mask[:, t].astype(bool)[:, None]
            hn, cn = np.where(keep, hn, h), np.where(keep, cn, c)
        h, c = hn, cn
        out.append(np.concatenate([h, c], 1) if cell == "lstm" else h)
    return np.stack(out, 1)


def make(cell, B=3, T=5, F=4, U=6, seed=0, dtype=np.float64, bias=True):
    rng = np.random.default_rng(seed)
    g = G[cell]
    a = dict(x=rng.standard_normal((B, T, F)), w=rng.standard_normal((F, g * U)) * 0.4,
             r=rng.standard_normal((U, g * U)) * 0.4, b=rng.standard_normal(g * U) * 0.3 if bias else None)
    if cell == "gru_reset_after":
        a["rb"] = rng.standard_normal(g * U) * 0.3
    return {k: (None if v is None else v.astype(dtype)) for k, v in a.items()}
