"""A custom training step on pydl's public autograd API, for losses that `fit` cannot express (a loss on chosen
actions, on log-probabilities times advantages).

The pattern (the equivalent of Keras's GradientTape or PyTorch's zero_grad / backward / step)::

    weights = model.trainable_weights           # pydl Tensors with requires_grad=True
    for w in weights:
        w.grad = None                           # backward() adds into .grad
    loss = my_loss(model(x))                    # eager: every op records its graph node in C++
    loss.backward()                             # fills w.grad
    optimizer.apply_gradients([(w.grad, w) for w in weights])   # one fused C++ update for all of them
"""
import numpy as np

import pydl
from pydl import ops


def apply_step(model, optimizer, loss_fn):
    """Runs loss_fn() (a scalar pydl Tensor computed from `model`), backpropagates it and applies one update of
    `optimizer` to the model's trainable weights; returns the loss as a float."""
    weights = model.trainable_weights
    for w in weights:
        w.grad = None
    loss = loss_fn()
    if tuple(loss.shape):
        raise ValueError(f"apply_step: loss_fn must return a scalar tensor, got shape {tuple(loss.shape)}")
    loss.backward()
    optimizer.apply_gradients([(w.grad, w) for w in weights])
    return float(loss)


def huber(error, delta=1.0):
    """Elementwise Huber loss of `error` (a pydl Tensor): error^2 / 2 inside [-delta, delta], linear outside."""
    a = ops.abs(error)
    inside = ops.minimum(a, delta)
    return 0.5 * inside * inside + delta * (a - inside)


def pick(values, actions):
    """values[i, actions[i]] for a (batch, actions) tensor: the Q-value or log-probability of the chosen action."""
    index = pydl.tensor(np.asarray(actions, np.int64).reshape(-1, 1))
    return ops.gather(values, 1, index).reshape(-1)


def forward(model, x):
    """The model's outputs as NumPy arrays, without recording a graph (acting, targets)."""
    with pydl.no_grad():
        out = model(np.asarray(x, np.float32))
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)
