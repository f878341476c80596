"""CPU time per layer (process_time) of the work in one step of the book GAN (pydl bench --models "book GAN" row):
forward and backward of every layer at the shapes the step uses (discriminator trained on 256 images and run frozen
on 128 inside the adversarial model; generator predicting 128 and trained on 128), median of 3. Process CPU time,
not wall time, so the breakdown holds on a loaded machine. Usage: PYTHONPATH=. python benchmarks/profile_gan_step.py [threads]"""
import statistics
import sys
import time

import numpy as np

import pydl
from pydl.bench.suites import gan

pydl.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
rng = np.random.default_rng(0)
g, d, a = gan.keras_style(pydl, *gan.initial_weights(rng))

def cpu(fn, reps=3):
    out = []
    for _ in range(reps):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return statistics.median(out)

def profile(model, batch, train, need_input_grad):
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shape = (batch,) + tuple(layer.input_shape[1:])
        x0 = rng.random(shape).astype(np.float32)
        def fwd(layer=layer, x0=x0):
            x = pydl.tensor(x0, requires_grad=need_input_grad)
            return layer(x, training=train)
        f = cpu(fwd)

        def fb(layer=layer, x0=x0):
            x = pydl.tensor(x0, requires_grad=True)
            y = layer(x, training=train)
            y.sum().backward()
        b = cpu(fb) - f if train else 0.0
        rows.append((f"{model.name}/{layer.name}", type(layer).__name__, shape, f, b))
    return rows

rows = []
# discriminator: trained on 256 images; inside the adversarial model it runs fwd+bwd (input grads) on 128
rows += [("D(256) " + r[0], *r[1:]) for r in profile(d, 256, True, False)]
rows += [("D(128,frozen) " + r[0], *r[1:]) for r in profile(d, 128, True, True)]
rows += [("G(128,predict) " + r[0], r[1], r[2], r[3], 0.0) for r in profile(g, 128, False, False)]
rows += [("G(128,train) " + r[0], *r[1:]) for r in profile(g, 128, True, True)]
total = sum(r[3] + r[4] for r in rows)
print(f"{'where':44} {'layer':20} {'fwd ms':>8} {'bwd ms':>8} {'%':>6}")
for r in sorted(rows, key=lambda r: -(r[3] + r[4])):
    print(f"{r[0]:44} {r[1]:20} {r[3]*1e3:8.1f} {r[4]*1e3:8.1f} {100*(r[3]+r[4])/total:6.1f}")
print(f"total {total*1e3:.0f} ms CPU")
by = {}
for r in rows:
    by[r[1]] = by.get(r[1], 0) + r[3] + r[4]
print({k: f"{100*v/total:.1f}%" for k, v in sorted(by.items(), key=lambda kv: -kv[1])})
