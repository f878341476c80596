"""The models suite's chapter 11 rows: training throughput of the book's sentiment classifiers, the way a user
trains them: Embedding -> SpatialDropout1D(.2) -> SimpleRNN / LSTM / GRU (256 units, dropout .2) -> Dense(1,
sigmoid) on reviews of 100 word ids from a 10,000-word vocabulary, and the conv classifier (Embedding 5,000 x 64,
400 ids, Conv1D(256, 3) -> GlobalMaxPooling1D -> Dense(256) -> Dropout(.2) -> Dense(1)); Adam, binary
cross-entropy, batch 128.

Each call is one epoch, in order, over the same random word ids (labels from a random per-word polarity, so there is
something to learn): pydl through `model.fit(verbose=0, shuffle=False)`; PyTorch as an eager loop on the same
network (nn.Embedding, nn.Dropout1d for SpatialDropout1D and for the recurrent layer's input dropout, nn.RNN / LSTM /
GRU, nn.Linear), from pydl's initial weights. PyTorch's GRU computes the reset gate after the recurrent product
(Keras's reset_after=True) where the book's Keras 2 GRU applies it before: the same cost, slightly different
arithmetic. There is no NumPy version of these nets: the check compares pydl's epoch mean loss with PyTorch's
(dropout masks differ, so only the loss can agree).
"""
import numpy as np

import pydl

from ..case import Case, register

BATCH, LR = 128, 0.001
# name: (vocabulary, review length, layer)
NETS = {"rnn": (10000, 100, "simple_rnn"), "lstm": (10000, 100, "lstm"), "gru": (10000, 100, "gru"),
        "conv": (5000, 400, "conv")}


def pydl_model(vocab, length, kind, units=256):
    L = pydl.layers
    head = [L.Embedding(vocab, 64, input_length=length), L.SpatialDropout1D(0.2)]
    if kind == "conv":
        body = [L.Conv1D(units, 3, activation="relu"), L.GlobalMaxPooling1D(), L.Dense(units, activation="relu"),
                L.Dropout(0.2)]
    else:
        body = [{"simple_rnn": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU}[kind](units, dropout=0.2)]
    model = pydl.models.Sequential(head + body + [L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=pydl.optimizers.Adam(learning_rate=LR), metrics=["accuracy"])
    return model


def _torch_net(torch, kind, units=256):
    nn = torch.nn

    class Net(nn.Module):
        """Keras's layout: (batch, time, features); SpatialDropout1D drops whole feature channels."""

        def __init__(self, vocab):
            super().__init__()
            self.emb = nn.Embedding(vocab, 64)
            self.drop_embed = nn.Dropout1d(0.2)
            if kind == "conv":
                self.conv = nn.Conv1d(64, units, 3)
                self.dense = nn.Linear(units, units)
                self.drop = nn.Dropout(0.2)
            else:  # Keras's dropout=.2 on a recurrent layer: one input-feature mask per sequence
                self.drop_in = nn.Dropout1d(0.2)
                self.rnn = {"simple_rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](64, units, batch_first=True)
            self.out = nn.Linear(units, 1)

        def forward(self, ids):
            x = self.drop_embed(self.emb(ids).transpose(1, 2))  # (batch, channels, time)
            if kind == "conv":
                x = torch.relu(self.conv(x)).amax(dim=2)
                x = self.drop(torch.relu(self.dense(x)))
            else:
                seq, _ = self.rnn(self.drop_in(x).transpose(1, 2))
                x = seq[:, -1]
            return self.out(x).squeeze(1)
    return Net


def _torch_weights(kind, w):
    """pydl's (Keras-layout) weights in the order of the torch net's state_dict."""
    emb, rest = [w[0]], w[1:]
    if kind == "conv":
        return emb + [rest[0].transpose(2, 1, 0), rest[1], rest[2].T, rest[3], rest[4].T, rest[5]]
    kernel, rec, bias = rest[0], rest[1], rest[2]
    if kind == "gru":  # Keras (z, r, h) -> torch (r, z, n)
        kernel, rec, bias = (np.concatenate([np.split(m, 3, axis=-1)[i] for i in (1, 0, 2)], axis=-1)
                             for m in (kernel, rec, bias))
    return emb + [kernel.T, rec.T, bias, np.zeros_like(bias), rest[3].T, rest[4]]


class _Result:
    def __init__(self, loss):
        self.numpy = lambda: np.array([loss])


def _torch_fn(torch, kind, vocab, units, weights, x, y):
    F = torch.nn.functional
    model = _torch_net(torch, kind, units)(vocab)
    with torch.no_grad():
        for t, w in zip(model.state_dict().values(), _torch_weights(kind, weights)):
            t.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-7)
    xt, yt = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y)
    model.train()

    def epoch():
        total = correct = 0.0
        for s in range(0, len(xt), BATCH):
            optimizer.zero_grad(set_to_none=True)
            out = model(xt[s:s + BATCH])
            loss = F.binary_cross_entropy_with_logits(out, yt[s:s + BATCH])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(out)  # fit() reports the loss and the accuracy of every step
            correct += ((out > 0) == (yt[s:s + BATCH] > 0.5)).sum().item()
        return _Result(total / len(xt))
    return epoch


def _fit_fn(model, x, y):
    def epoch():
        return _Result(model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False).history["loss"][-1])
    return epoch


def data(n, vocab, length, rng):
    x = rng.integers(1, vocab, (n, length)).astype(np.int32)
    polarity = rng.standard_normal(vocab).astype(np.float32)
    y = (polarity[x].mean(axis=1) > 0).astype(np.float32)
    return x, y


@register("text", default=False)
def cases(quick, torch):
    """Part of the models suite (`pydl bench --models`), and alone as `pydl bench --ops text`."""
    rng = np.random.default_rng(11)
    n = 128 if quick else 1024
    for name, (vocab, length, kind) in NETS.items():
        # quick: a smoke run, one batch of short reviews through narrow layers
        length, units = (length // 5, 32) if quick else (length, 256)
        x, y = data(n, vocab, length, rng)
        pydl.manual_seed(11)
        model = pydl_model(vocab, length, kind, units)
        fns = {"pydl": _fit_fn(model, x, y)}
        if torch:
            fns["torch"] = _torch_fn(torch, kind, vocab, units, model.get_weights(), x, y)
        # mean losses of 1 (quick) or 8 batches from the same start, under different dropout masks
        shape = f"{n}x{length} ids, batch {BATCH}" + (f", {units} units" if quick else "")
        yield Case(f"{name} (ch11)", shape, "k samples/s", n, fns,
                   tol=0.1 if quick else 0.05, scale=1e3)
