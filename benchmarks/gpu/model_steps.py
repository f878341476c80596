"""Training-step rows of the GPU check (check_bench.py): whole models trained through `model.fit`, the way a user
trains them (step plans on, the default: after the first batch each step is one replayed recording), against the
same network in PyTorch eager mode on the same device.

- the book's chapter 11 LSTM classifier: Embedding(5000, 64) on reviews of 100 word ids -> LSTM(256) ->
  Dense(1, sigmoid); binary cross-entropy, Adam, batch 128;
- the MLP 784-64(relu)-10(softmax) and the book's LeNet (conv 32 - conv 64 - pool - dropout - dense 128 - dropout -
  softmax); categorical cross-entropy, Adam, batch 128.

Each function returns (pydl seconds per step, torch seconds per step or None, note). A step of either side reads its
loss back to the host, as Keras's progress bar (and fit's history) does. `device` is a parameter so the functions
can be smoke-tested on the CPU:  python3 benchmarks/gpu/model_steps.py --device cpu --steps 2
"""
import argparse
import time

import numpy as np

import pydl

BATCH = 128


def _sync(device):
    if device.startswith("cuda"):
        import pydl.cuda
        pydl.cuda.synchronize()


def _fit_seconds_per_step(model, x, y, steps, device):
    """Seconds per step of model.fit over `steps` batches, after a warm-up fit (plans recorded, allocator warm)."""
    model.fit(x[:BATCH * 3], y[:BATCH * 3], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    _sync(device)
    t0 = time.perf_counter()
    hist = model.fit(x[:BATCH * steps], y[:BATCH * steps], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    _sync(device)
    return (time.perf_counter() - t0) / steps, hist.history["loss"][-1]


def _plan_note(model):
    kinds = sorted({v.split(":")[0] for v in model.step_plan_info().values()})
    return "/".join(kinds) or "no steps"


def _torch_seconds_per_step(torch, net, loss_fn, x, y, steps, device):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)

    def run(count):
        total = 0.0
        for s in range(count):
            xb = xs[s * BATCH:(s + 1) * BATCH].to(device, non_blocking=True)
            yb = ys[s * BATCH:(s + 1) * BATCH].to(device, non_blocking=True)
            loss = loss_fn(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item()
        return total / count

    net.train()
    run(3)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    loss = run(steps)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps, loss


def lstm_step(torch, device="cuda", steps=30, vocab=5000, length=100, units=256):
    L = pydl.layers
    rng = np.random.default_rng(21)
    x = rng.integers(1, vocab, (BATCH * steps, length)).astype(np.int32)
    y = rng.integers(0, 2, BATCH * steps).astype(np.float32)
    pydl.manual_seed(0)
    model = pydl.models.Sequential([L.Embedding(vocab, 64, input_length=length), L.LSTM(units),
                                    L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=pydl.optimizers.Adam(learning_rate=1e-3), device=device)
    tp, lp = _fit_seconds_per_step(model, x, y, steps, device)
    note = f"{_plan_note(model)}; loss {lp:.3f}"
    if torch is None:
        return tp, None, note
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, 64)
            self.rnn = nn.LSTM(64, units, batch_first=True)
            self.out = nn.Linear(units, 1)

        def forward(self, ids):
            seq, _ = self.rnn(self.emb(ids))
            return self.out(seq[:, -1]).squeeze(1)

    torch.manual_seed(0)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    tt, lt = _torch_seconds_per_step(torch, Net().to(device), bce, x.astype(np.int64), y, steps, device)
    return tp, tt, note + f" (torch {lt:.3f})"


def _classifier_data(shape, steps, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH * steps,) + shape, dtype=np.float32)
    labels = rng.integers(0, 10, BATCH * steps)
    return x, labels, np.eye(10, dtype=np.float32)[labels]


def _pydl_classifier(layers, device, jit_compile=None):
    pydl.manual_seed(0)
    model = pydl.models.Sequential(layers)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"], device=device,
                  jit_compile=jit_compile)
    return model


def _classifier_step(torch, device, steps, make_layers, make_torch_net, shape, seed):
    """pydl fit with plans (the default), then eagerly (jit_compile=False) for the note, then torch eager."""
    x, labels, onehot = _classifier_data(shape, steps, seed)
    model = _pydl_classifier(make_layers(), device)
    tp, lp = _fit_seconds_per_step(model, x, onehot, steps, device)
    eager = _pydl_classifier(make_layers(), device, jit_compile=False)
    te, _ = _fit_seconds_per_step(eager, x, onehot, steps, device)
    note = f"{_plan_note(model)}; pydl eager {te * 1e3:.3g} ms; loss {lp:.3f}"
    if torch is None:
        return tp, None, note
    torch.manual_seed(0)
    xt = x if len(shape) == 1 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    tt, lt = _torch_seconds_per_step(torch, make_torch_net(torch.nn).to(device), torch.nn.functional.cross_entropy,
                                     xt, labels, steps, device)
    return tp, tt, note + f" (torch {lt:.3f})"


def mlp_step(torch, device="cuda", steps=50):
    L = pydl.layers
    return _classifier_step(
        torch, device, steps,
        lambda: [L.Dense(64, activation="relu", input_shape=(784,)), L.Dense(10, activation="softmax")],
        lambda nn: nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)), (784,), 22)


def lenet_step(torch, device="cuda", steps=30):
    L = pydl.layers
    return _classifier_step(
        torch, device, steps,
        lambda: [L.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                 L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Dropout(0.25), L.Flatten(),
                 L.Dense(128, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax")],
        lambda nn: nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                                 nn.Linear(128, 10)),
        (28, 28, 1), 23)


STEPS = {"LSTM(256) imdb fit step": lstm_step, "MLP 784-64-10 fit step": mlp_step, "LeNet fit step": lenet_step}


if __name__ == "__main__":  # a smoke test of both sides, e.g. on the CPU
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    for name, fn in STEPS.items():
        tp, tt, note = fn(torch, args.device, args.steps)
        print(f"{name}: pydl {tp * 1e3:.3g} ms, torch {'-' if tt is None else f'{tt * 1e3:.3g}'} ms; {note}")
