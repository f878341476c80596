"""The book's dense networks trained in plain NumPy (float32): the hand-written reference of the models suite.

Same math as Keras 2 / pydl: Dense (x @ W + b), sigmoid or relu, BatchNormalization after the activation
(batch statistics in training, moving averages with momentum 0.99, epsilon 1e-3), inverted Dropout, a softmax
output with mean squared error or categorical cross-entropy (the two folded into p - y, as every framework does),
then SGD or Adam (Keras's epsilon 1e-7). Written the way a careful NumPy user would: vectorized, no
preallocated buffers, every step also computes the batch loss and accuracy that fit() reports.
"""
import numpy as np

BN_MOMENTUM, BN_EPS, ADAM = 0.99, 1e-3, (0.9, 0.999, 1e-7)


class NumpyNet:
    """What the hand-written references share: float32 parameters with Adam slots, Keras's Adam step, and an epoch
    loop over batches in order. Subclasses define step(x, y) -> (loss, accuracy)."""

    def __init__(self, params, seed=0):
        self.params = [np.array(p, dtype=np.float32) for p in params]
        self.rng = np.random.default_rng(seed)
        self.slots = [(np.zeros_like(p), np.zeros_like(p)) for p in self.params]  # Adam's m and v
        self.t = 0

    def adam(self, grads, lr):
        """One Adam update (Keras 2: bias correction folded into the rate); a None gradient skips its parameter."""
        self.t += 1
        b1, b2, eps = ADAM
        lr = np.float32(lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
        for p, g, (m, v) in zip(self.params, grads, self.slots):
            if g is None:
                continue
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= lr * m / (np.sqrt(v) + eps)

    def fit_epoch(self, x, y, batch_size):
        """One pass in order; returns the epoch's mean loss."""
        total = 0.0
        for s in range(0, len(x), batch_size):
            loss, _ = self.step(x[s:s + batch_size], y[s:s + batch_size])
            total += loss * len(x[s:s + batch_size])
        return total / len(x)


class NumpyMLP(NumpyNet):
    """params: Keras's weight order, [W, b] per Dense plus [gamma, beta, moving_mean, moving_var] per BN."""

    def __init__(self, spec, params, seed=0):
        super().__init__(params, seed)
        self.spec = spec

    def _layers(self):
        """(W, b, bn params or None) per hidden layer, then the output layer's (W, b)."""
        p, i, hidden = self.params, 0, []
        for _ in self.spec["hidden"]:
            bn = p[i + 2:i + 6] if self.spec["bn"] else None
            hidden.append((p[i], p[i + 1], bn))
            i += 6 if bn else 2
        return hidden, (p[i], p[i + 1])

    def step(self, x, y):
        """One training step on a batch; returns (loss, accuracy) before the update, like fit() reports."""
        hidden, (wo, bo) = self._layers()
        n = len(x)
        saved, h = [], x
        for w, b, bn in hidden:
            z = h @ w + b
            a = 1 / (1 + np.exp(-z)) if self.spec["act"] == "sigmoid" else np.maximum(z, 0)
            xh = inv = None
            if bn:
                gamma, beta, mean, var = bn
                mu, v = a.mean(axis=0), a.var(axis=0)
                inv = 1 / np.sqrt(v + BN_EPS)
                xh = (a - mu) * inv
                mean *= BN_MOMENTUM
                mean += (1 - BN_MOMENTUM) * mu
                var *= BN_MOMENTUM
                var += (1 - BN_MOMENTUM) * v * (n / (n - 1))
                out = xh * gamma + beta
            else:
                out = a
            saved.append((h, a, xh, inv))
            h = out
        mask = None
        if self.spec["dropout"]:
            keep = 1 - self.spec["dropout"]
            mask = (self.rng.random(h.shape, dtype=np.float32) < keep) / np.float32(keep)
            h = h * mask
        logits = h @ wo + bo
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)

        acc = float(np.mean(p.argmax(axis=1) == y.argmax(axis=1)))
        if self.spec["loss"] == "mse":
            diff = p - y
            loss = float(np.mean(diff * diff))
            dp = diff * np.float32(2 / diff.size)
            dz = p * (dp - (dp * p).sum(axis=1, keepdims=True))  # back through the softmax
        else:
            loss = float(-np.mean(np.log(np.maximum(p[y > 0], 1e-7))))
            dz = (p - y) / np.float32(n)

        grads = [None] * len(self.params)
        gi = len(self.params) - 2
        grads[gi], grads[gi + 1] = h.T @ dz, dz.sum(axis=0)
        dh = dz @ wo.T
        if mask is not None:
            dh *= mask
        for (w, b, bn), (h_in, a, xh, inv) in zip(reversed(hidden), reversed(saved)):
            gi -= 6 if bn else 2
            if bn:
                grads[gi + 2], grads[gi + 3] = (dh * xh).sum(axis=0), dh.sum(axis=0)
                dxh = dh * bn[0]
                dh = inv / np.float32(n) * (n * dxh - dxh.sum(axis=0) - xh * (dxh * xh).sum(axis=0))
            dz = dh * (a * (1 - a)) if self.spec["act"] == "sigmoid" else dh * (a > 0)
            grads[gi], grads[gi + 1] = h_in.T @ dz, dz.sum(axis=0)
            if gi:
                dh = dz @ w.T
        self._update(grads)
        return loss, acc

    def _update(self, grads):
        opt, lr = self.spec["opt"]
        if opt == "adam":
            self.adam(grads, lr)  # BN's moving statistics have no gradient: updated in the forward pass
            return
        for p, g in zip(self.params, grads):
            if g is not None:
                p -= np.float32(lr) * g
