"""The book's LeNet-5 trained in plain NumPy (float32): the hand-written reference of the models suite's "lenet-5".

Conv2D(32, 3x3, relu) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Dropout(.25) -> Flatten -> Dense(128, relu)
-> Dropout(.5) -> Dense(10, softmax), categorical cross-entropy (folded into p - y), Adam (Keras's epsilon 1e-7).
Channels-last like Keras: kernels (kh, kw, in, out), Flatten in (h, w, c) order. Convolutions are im2col
(np.lib.stride_tricks.sliding_window_view, then one matmul), the backward pass scatters the column gradient back
window offset by window offset; max pooling routes its gradient through an argmax mask; inverted Dropout with masks
from a NumPy Generator. Written the way a careful NumPy user would: vectorized, no preallocated buffers.
"""
import numpy as np

from .numpy_mlp import NumpyNet


def _im2col(x, k):
    """(N, H, W, C) -> (N*OH*OW, k*k*C) with columns in (kh, kw, c) order, matching a (k, k, C, out) kernel."""
    n, h, w, c = x.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))  # (N, OH, OW, C, k, k)
    return win.transpose(0, 1, 2, 4, 5, 3).reshape(n * (h - k + 1) * (w - k + 1), k * k * c)


def _col2im(dcols, shape, k):
    """The adjoint of _im2col: dcols (N*OH*OW, k*k*C) -> gradient of the (N, H, W, C) input."""
    n, h, w, c = shape
    oh, ow = h - k + 1, w - k + 1
    d = dcols.reshape(n, oh, ow, k, k, c)
    dx = np.zeros(shape, np.float32)
    for i in range(k):
        for j in range(k):
            dx[:, i:i + oh, j:j + ow, :] += d[:, :, :, i, j, :]
    return dx


class NumpyLeNet(NumpyNet):
    """params: Keras's weight order [conv1 W, b, conv2 W, b, dense1 W, b, dense2 W, b]."""

    def __init__(self, params, dropout=(0.25, 0.5), lr=0.001, seed=0):
        super().__init__(params, seed)
        self.dropout, self.lr = dropout, lr

    def _mask(self, shape, rate):
        if not rate:
            return None
        keep = 1 - rate
        return (self.rng.random(shape, dtype=np.float32) < keep) / np.float32(keep)

    def gradients(self, x, y):
        """(loss, accuracy, grads) of one training-mode forward/backward on a batch; no update."""
        w1, b1, w2, b2, w3, b3, w4, b4 = self.params
        n, k = len(x), w1.shape[0]
        # conv 1 + relu
        c1 = _im2col(x, k)
        h1 = x.shape[1] - k + 1
        a1 = np.maximum(c1 @ w1.reshape(-1, w1.shape[-1]) + b1, 0).reshape(n, h1, h1, -1)
        # conv 2 + relu
        c2 = _im2col(a1, k)
        h2 = h1 - k + 1
        a2 = np.maximum(c2 @ w2.reshape(-1, w2.shape[-1]) + b2, 0)  # (N*h2*h2, 64)
        # max pool 2x2: the four window entries last, argmax picks one (ties go to the first, like a mask should)
        ch, hp = a2.shape[-1], h2 // 2
        win = a2.reshape(n, hp, 2, hp, 2, ch).transpose(0, 1, 3, 5, 2, 4).reshape(n, hp, hp, ch, 4)
        arg = win.argmax(axis=-1)[..., None]
        pooled = np.take_along_axis(win, arg, axis=-1)[..., 0]
        m1 = self._mask(pooled.shape, self.dropout[0])
        f = (pooled * m1 if m1 is not None else pooled).reshape(n, -1)  # NHWC flatten, like Keras
        # dense 128 relu, dropout, dense 10 softmax
        a3 = np.maximum(f @ w3 + b3, 0)
        m2 = self._mask(a3.shape, self.dropout[1])
        d3 = a3 * m2 if m2 is not None else a3
        logits = d3 @ w4 + b4
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        acc = float(np.mean(p.argmax(axis=1) == y.argmax(axis=1)))
        loss = float(-np.mean(np.log(np.maximum(p[y > 0], 1e-7))))

        dz4 = (p - y) / np.float32(n)
        g4, gb4 = d3.T @ dz4, dz4.sum(axis=0)
        dd3 = dz4 @ w4.T
        if m2 is not None:
            dd3 *= m2
        dz3 = dd3 * (a3 > 0)
        g3, gb3 = f.T @ dz3, dz3.sum(axis=0)
        df = (dz3 @ w3.T).reshape(pooled.shape)
        if m1 is not None:
            df *= m1
        dwin = np.zeros(win.shape, np.float32)
        np.put_along_axis(dwin, arg, df[..., None], axis=-1)
        da2 = dwin.reshape(n, hp, hp, ch, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(-1, ch)
        dz2 = da2 * (a2 > 0)
        g2, gb2 = (c2.T @ dz2).reshape(w2.shape), dz2.sum(axis=0)
        da1 = _col2im(dz2 @ w2.reshape(-1, w2.shape[-1]).T, a1.shape, k)
        dz1 = (da1 * (a1 > 0)).reshape(-1, a1.shape[-1])
        g1, gb1 = (c1.T @ dz1).reshape(w1.shape), dz1.sum(axis=0)
        return loss, acc, [g1, gb1, g2, gb2, g3, gb3, g4, gb4]

    def step(self, x, y):
        """One training step; returns (loss, accuracy) before the update, like fit() reports."""
        loss, acc, grads = self.gradients(x, y)
        self.adam(grads, self.lr)
        return loss, acc
