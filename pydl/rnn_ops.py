"""Recurrent ops: a whole sequence through a SimpleRNN, LSTM or GRU cell in one call into the C++ core, with
backpropagation through time as its gradient. Weights use Keras 2's layout: kernel (features, G*units),
recurrent_kernel (units, G*units), bias (G*units,), gates in Keras order (LSTM i, f, c, o; GRU z, r, h).

>>> import numpy as np
>>> x = pydl.ones((2, 5, 3))
>>> seq, (h, c) = pydl.ops.lstm(x, pydl.ones((3, 8)) * 0.1, pydl.zeros((2, 8)))
>>> seq.shape, h.shape, c.shape
((2, 5, 2), (2, 2), (2, 2))
"""
from . import _C
from .tensor import Tensor, tensor

_CELLS = ("simple_rnn", "lstm", "gru", "gru_reset_after")


def _as_tensor(v, like=None):
    if v is None or isinstance(v, Tensor):
        return v
    return tensor(v) if like is None else tensor(v, dtype=like.dtype)


def rnn(x, kernel, recurrent_kernel, bias=None, *, cell="lstm", recurrent_bias=None, initial_state=None,
        mask=None, recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid", go_backwards=False):
    """Runs `cell` over x (batch, timesteps, features) and returns every state packed as (batch, timesteps,
    S*units): [h_t] (S = 1), or [h_t, c_t] for LSTM (S = 2). Step s holds the state after input step s (after
    input step T-1-s with go_backwards, as Keras). initial_state: [h0] or [h0, c0] (zeros when None). mask
    (batch, timesteps): where zero, the step is skipped and the previous state (and output) carried over, as
    Keras. recurrent_mask (batch, units): multipliers of h_prev in the recurrent product (recurrent dropout)."""
    if cell not in _CELLS:
        raise ValueError(f"rnn: unknown cell {cell!r}; expected one of {_CELLS}")
    x = _as_tensor(x)
    h0 = c0 = None
    if initial_state is not None:
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        want = 2 if cell == "lstm" else 1
        if len(states) != want:
            raise ValueError(f"{cell}: initial_state needs {want} tensor(s), got {len(states)}")
        h0 = _as_tensor(states[0], x)
        c0 = _as_tensor(states[1], x) if want == 2 else None
    if mask is not None and not isinstance(mask, Tensor):
        mask = tensor(mask)
    return _C._rnn(cell, x, _as_tensor(kernel, x), _as_tensor(recurrent_kernel, x), _as_tensor(bias, x),
                   _as_tensor(recurrent_bias, x), h0, c0, mask, _as_tensor(recurrent_mask, x),
                   activation or "linear", recurrent_activation or "linear", bool(go_backwards))


def _unpack(y, units, lstm):
    seq = y[:, :, :units] if lstm else y
    last = seq[:, -1, :]
    return seq, ([last, y[:, -1, units:]] if lstm else [last])


def lstm(x, kernel, recurrent_kernel, bias=None, **kw):
    """LSTM over a sequence: returns (outputs (batch, T, units), [h_T, c_T])."""
    kw.setdefault("recurrent_activation", "sigmoid")
    y = rnn(x, kernel, recurrent_kernel, bias, cell="lstm", **kw)
    return _unpack(y, y.shape[-1] // 2, True)


def gru(x, kernel, recurrent_kernel, bias=None, *, reset_after=False, recurrent_bias=None, **kw):
    """GRU over a sequence (Keras 2: reset_after=False by default; with reset_after the recurrent bias is the
    second row of Keras's (2, 3*units) bias): returns (outputs (batch, T, units), [h_T])."""
    kw.setdefault("recurrent_activation", "sigmoid")
    y = rnn(x, kernel, recurrent_kernel, bias, cell="gru_reset_after" if reset_after else "gru",
            recurrent_bias=recurrent_bias, **kw)
    return _unpack(y, y.shape[-1], False)


def simple_rnn(x, kernel, recurrent_kernel, bias=None, **kw):
    """Fully connected recurrence h_t = act(x_t W + h_{t-1} U + b): returns (outputs (batch, T, units), [h_T])."""
    y = rnn(x, kernel, recurrent_kernel, bias, cell="simple_rnn", **kw)
    return _unpack(y, y.shape[-1], False)
