"""The models suite's "book GAN" row: one step of the book's GAN loop (ch. 12), the way the book writes it.

A step: the generator draws 128 images from uniform(-1, 1) noise (inference mode, like Keras's predict); the
discriminator trains on the 128 real + 128 generated images (binary cross-entropy, RMSprop lr 0.0008, rho 0.9,
clipvalue 1); then the adversarial model (generator -> discriminator with the discriminator frozen) trains on 128
fresh noise vectors labelled real (RMSprop lr 0.0004). The networks are the book's: discriminator 4,311,553 params
(four 5x5 convolutions, strides 2, 2, 2, 1, up to 512 channels, Dropout .4), generator 183,713 (Dense, BatchNorm
momentum .9, UpSampling2D + 5x5 Conv2DTranspose). pydl (and Keras when importable) through compile +
train_on_batch; PyTorch as the equivalent eager loop on the same weights (TensorFlow's asymmetric 'same' padding
reproduced with ZeroPad2d; the discriminator's parameters stop requiring gradients during the generator's update,
as Keras's frozen model does). The book's tiny lr decay (6e-8) is left out everywhere: Keras 3 has no `decay`.

Each call runs 2 steps (unit steps/s). Dropout masks differ between libraries, so the check compares the first
step's discriminator loss from the shared start. Not run with --quick (a step takes about a second).
"""
import numpy as np

import pydl

from ..case import Case

BATCH, LATENT, DEPTH, SIDE = 128, 32, 64, 28


def initial_weights(rng):
    """Keras order and shapes (glorot-uniform kernels, zero biases, BN 1/0/0/1): discriminator, then generator."""
    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(np.float32)

    def bn(n):
        return [np.ones(n, np.float32), np.zeros(n, np.float32), np.zeros(n, np.float32), np.ones(n, np.float32)]

    d, cin = [], 1
    for i in range(4):
        cout = DEPTH * 2 ** i
        d += [glorot((5, 5, cin, cout), 25 * cin, 25 * cout), np.zeros(cout, np.float32)]
        cin = cout
    d += [glorot((4 * 4 * 512, 1), 8192, 1), np.zeros(1, np.float32)]
    g = [glorot((LATENT, 49 * DEPTH), LATENT, 49 * DEPTH), np.zeros(49 * DEPTH, np.float32)] + bn(49 * DEPTH)
    cin = DEPTH
    for cout in (32, 16, 8):   # Conv2DTranspose kernel (kh, kw, out, in)
        g += [glorot((5, 5, cout, cin), 25 * cin, 25 * cout), np.zeros(cout, np.float32)] + bn(cout)
        cin = cout
    g += [glorot((5, 5, 8, 1), 200, 25), np.zeros(1, np.float32)]
    return d, g


def keras_style(lib, d_weights, g_weights):
    """The book's three models through a Keras-compatible API (pydl, or keras itself)."""
    L, Model = lib.layers, lib.models.Model
    image = L.Input(shape=(SIDE, SIDE, 1))
    x = image
    for i, stride in enumerate((2, 2, 2, 1)):
        x = L.Dropout(0.4)(L.Conv2D(DEPTH * 2 ** i, 5, strides=stride, padding="same", activation="relu")(x))
    d = Model(image, L.Dense(1, activation="sigmoid")(L.Flatten()(x)))
    noise = L.Input(shape=(LATENT,))
    x = L.Dropout(0.4)(L.Reshape((7, 7, DEPTH))(L.Activation("relu")(L.BatchNormalization(momentum=0.9)(
        L.Dense(49 * DEPTH)(noise)))))
    for filters, up in ((32, True), (16, True), (8, False)):
        x = L.UpSampling2D()(x) if up else x
        x = L.Activation("relu")(L.BatchNormalization(momentum=0.9)(L.Conv2DTranspose(filters, 5, padding="same")(x)))
    g = Model(noise, L.Conv2D(1, 5, padding="same", activation="sigmoid")(x))
    d.set_weights(d_weights)
    g.set_weights(g_weights)
    opt = lib.optimizers.RMSprop
    d.compile(loss="binary_crossentropy", optimizer=opt(learning_rate=0.0008, rho=0.9, clipvalue=1.0),
              metrics=["accuracy"])
    d.trainable = False
    z = L.Input(shape=(LATENT,))
    a = Model(z, d(g(z)))
    a.compile(loss="binary_crossentropy", optimizer=opt(learning_rate=0.0004, rho=0.9, clipvalue=1.0),
              metrics=["accuracy"])
    return g, d, a


class _Result:
    def __init__(self, loss):
        self.numpy = lambda: np.array([loss])


def _keras_fn(lib, weights, real, noise):
    g, d, a = keras_style(lib, *weights)
    n = len(real)
    ones, y = np.ones((n, 1), np.float32), np.concatenate([np.ones((n, 1)), np.zeros((n, 1))])
    y = y.astype(np.float32)

    def steps():
        first = None
        for k in range(2):
            fake = g.predict_on_batch(noise[k])
            loss = d.train_on_batch(np.concatenate([real, fake]), y)[0]
            a.train_on_batch(noise[k + 2], ones)
            first = float(loss) if first is None else first
        return _Result(first)
    return steps


def _same_pad(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def torch_models(torch, d_weights, g_weights):
    """The same networks as nn modules (NCHW), with Keras's (h, w, c) flatten / reshape orders mapped."""
    nn = torch.nn
    mods, n, cin = [], SIDE, 1
    for i, stride in enumerate((2, 2, 2, 1)):
        lo, hi = _same_pad(n, 5, stride)
        cout = DEPTH * 2 ** i
        mods += [nn.ZeroPad2d((lo, hi, lo, hi)), nn.Conv2d(cin, cout, 5, stride), nn.ReLU(), nn.Dropout(0.4)]
        n, cin = -(-n // stride), cout
    d = nn.Sequential(*mods, nn.Flatten(), nn.Linear(8192, 1))   # sigmoid inside the loss (BCE with logits)
    gen = nn.Sequential(nn.Linear(LATENT, 49 * DEPTH), nn.BatchNorm1d(49 * DEPTH, eps=1e-3, momentum=0.1),
                        nn.ReLU(), nn.Unflatten(1, (DEPTH, 7, 7)), nn.Dropout(0.4),
                        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(DEPTH, 32, 5, padding=2),
                        nn.BatchNorm2d(32, eps=1e-3, momentum=0.1), nn.ReLU(),
                        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(32, 16, 5, padding=2),
                        nn.BatchNorm2d(16, eps=1e-3, momentum=0.1), nn.ReLU(),
                        nn.ConvTranspose2d(16, 8, 5, padding=2), nn.BatchNorm2d(8, eps=1e-3, momentum=0.1), nn.ReLU(),
                        nn.Conv2d(8, 1, 5, padding=2), nn.Sigmoid())
    hwc_to_chw = np.arange(49 * DEPTH).reshape(7, 7, DEPTH).transpose(2, 0, 1).ravel()  # torch index -> keras index
    flat = np.arange(8192).reshape(4, 4, 512).transpose(2, 0, 1).ravel()
    dw = [w.transpose(3, 2, 0, 1) if w.ndim == 4 else w for w in d_weights[:8]] + [d_weights[8][flat].T, d_weights[9]]
    gw = [g_weights[0][:, hwc_to_chw].T, g_weights[1][hwc_to_chw]]
    gw += [w[hwc_to_chw] for w in g_weights[2:6]]
    for w in g_weights[6:]:
        gw.append(w.transpose(3, 2, 0, 1) if w.ndim == 4 else w)   # Conv2D and Conv2DTranspose alike
    for model, ws in ((d, dw), (gen, gw)):
        params = [t for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked")]
        with torch.no_grad():
            for t, w in zip(params, ws):
                t.copy_(torch.from_numpy(np.ascontiguousarray(w)))
    return gen, d


def _torch_fn(torch, weights, real, noise):
    gen, d = torch_models(torch, *weights)
    F = torch.nn.functional
    opt_d = torch.optim.RMSprop(d.parameters(), lr=0.0008, alpha=0.9, eps=1e-7)
    opt_g = torch.optim.RMSprop(gen.parameters(), lr=0.0004, alpha=0.9, eps=1e-7)
    real_t = torch.from_numpy(np.ascontiguousarray(real.transpose(0, 3, 1, 2)))
    z = [torch.from_numpy(v) for v in noise]
    n = len(real)
    y = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)])
    ones = torch.ones(n, 1)

    def steps():
        first = None
        for k in range(2):
            gen.eval()
            with torch.no_grad():
                fake = gen(z[k])
            gen.train()
            opt_d.zero_grad(set_to_none=True)
            loss = F.binary_cross_entropy_with_logits(d(torch.cat([real_t, fake])), y)
            loss.backward()
            torch.nn.utils.clip_grad_value_(d.parameters(), 1.0)
            opt_d.step()
            first = loss.item() if first is None else first
            d.requires_grad_(False)
            opt_g.zero_grad(set_to_none=True)
            a_loss = F.binary_cross_entropy_with_logits(d(gen(z[k + 2])), ones)
            a_loss.backward()
            torch.nn.utils.clip_grad_value_(gen.parameters(), 1.0)
            opt_g.step()
            d.requires_grad_(True)
            a_loss.item()
        return _Result(first)
    return steps


def cases(quick, torch, keras=None):
    """Registered through models.cases (same suite, same table); skipped with --quick."""
    if quick:
        return
    rng = np.random.default_rng(12)
    real = rng.random((BATCH, SIDE, SIDE, 1), dtype=np.float32)
    noise = [rng.uniform(-1, 1, (BATCH, LATENT)).astype(np.float32) for _ in range(4)]
    weights = initial_weights(rng)
    fns = {"pydl": _keras_fn(pydl, weights, real, noise)}
    if torch:
        fns["torch"] = _torch_fn(torch, weights, real, noise)
    if keras:
        fns["keras"] = _keras_fn(keras, weights, real, noise)
    yield Case("book GAN", f"{BATCH}+{BATCH} img, {BATCH} z", "steps/s", 2, fns, tol=0.05, scale=1.0)
