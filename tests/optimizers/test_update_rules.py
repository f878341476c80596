"""Each optimizer's update vs a NumPy reference of its rule, bit for bit, in float32 and float64: the fused C++
kernel does the same array arithmetic in the parameter's dtype with scalars computed in double."""
import math

import numpy as np
import pytest

import pydl
from pydl import optimizers as O

DTYPES = ["float32", "float64"]


def c(v, dt):
    return np.asarray(v).astype(dt)


def reference(kind, p, g, state, hp, t, dt):
    """One step of the Keras 2 rule on NumPy arrays of dtype dt (scalars as Python floats, like the kernel)."""
    f = lambda v: np.asarray(v, dtype=dt)[()]  # a scalar of the dtype  # noqa: E731
    lr, eps = hp["lr"], hp.get("epsilon", 1e-7)
    if hp.get("decay"):
        lr = lr * (1.0 / (1.0 + hp["decay"] * (t - 1)))
    if hp.get("clipnorm"):
        norm = math.sqrt(float(np.sum(g.astype(np.float64) ** 2)))
        if norm > hp["clipnorm"]:
            g = g * f(hp["clipnorm"] / norm)
    if hp.get("clipvalue"):
        g = np.clip(g, f(-hp["clipvalue"]), f(hp["clipvalue"]))
    if kind == "sgd":
        m = hp.get("momentum", 0.0)
        if not m:
            return p - f(lr) * g
        v = f(m) * state["v"] - f(lr) * g
        state["v"] = v
        return p + f(m) * v - f(lr) * g if hp.get("nesterov") else p + v
    if kind == "adagrad":
        state["a"] = state["a"] + g * g
        return p - f(lr) * g / (np.sqrt(state["a"]) + f(eps))
    if kind == "rmsprop":
        rho = hp.get("rho", 0.9)
        state["a"] = f(rho) * state["a"] + f(1.0 - rho) * g * g
        return p - f(lr) * g / (np.sqrt(state["a"]) + f(eps))
    if kind == "adadelta":
        rho = hp.get("rho", 0.95)
        state["a"] = f(rho) * state["a"] + f(1.0 - rho) * g * g
        upd = g * np.sqrt(state["d"] + f(eps)) / np.sqrt(state["a"] + f(eps))
        newp = p - f(lr) * upd
        state["d"] = f(rho) * state["d"] + f(1.0 - rho) * upd * upd
        return newp
    if kind == "adam":
        b1, b2 = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999)
        lr_t = lr * (math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t))
        state["m"] = f(b1) * state["m"] + f(1.0 - b1) * g
        state["v"] = f(b2) * state["v"] + f(1.0 - b2) * g * g
        v = state["v"]
        if hp.get("amsgrad"):
            state["vhat"] = np.maximum(state["vhat"], state["v"])
            v = state["vhat"]
        return p - f(lr_t) * state["m"] / (np.sqrt(v) + f(eps))
    if kind == "nadam":
        b1, b2, sd = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999), 0.004
        mc_t = b1 * (1.0 - 0.5 * 0.96 ** (t * sd))
        mc_t1 = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * sd))
        m_new = state["ms"] * mc_t
        m_next = m_new * mc_t1
        state["ms"] = m_new
        g_prime = g / f(1.0 - m_new)
        state["m"] = f(b1) * state["m"] + f(1.0 - b1) * g
        m_prime = state["m"] / f(1.0 - m_next)
        state["v"] = f(b2) * state["v"] + f(1.0 - b2) * g * g
        v_prime = state["v"] / f(1.0 - b2 ** t)
        m_bar = f(1.0 - mc_t) * g_prime + f(mc_t1) * m_prime
        return p - f(lr) * m_bar / (np.sqrt(v_prime) + f(eps))
    raise ValueError(kind)


CASES = [
    ("sgd", O.SGD, {"lr": 0.1}),
    ("sgd", O.SGD, {"lr": 0.05, "momentum": 0.9}),
    ("sgd", O.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", O.SGD, {"lr": 0.1, "decay": 0.01}),
    ("sgd", O.SGD, {"lr": 0.1, "clipvalue": 0.5}),
    ("sgd", O.SGD, {"lr": 0.1, "clipnorm": 1.0}),
    ("adagrad", O.Adagrad, {"lr": 0.01}),
    ("adadelta", O.Adadelta, {"lr": 1.0, "rho": 0.95}),
    ("rmsprop", O.RMSprop, {"lr": 0.001, "rho": 0.9}),
    ("rmsprop", O.RMSprop, {"lr": 0.0008, "decay": 6e-8, "clipvalue": 1.0}),
    ("adam", O.Adam, {"lr": 0.001}),
    ("adam", O.Adam, {"lr": 0.01, "amsgrad": True, "decay": 0.1}),
    ("nadam", O.Nadam, {"lr": 0.002}),
]


def _kwargs(hp):
    return {("learning_rate" if k == "lr" else k): v for k, v in hp.items()}


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kind,cls,hp", CASES, ids=[f"{c[0]}-{'-'.join(c[2])}" for c in CASES])
def test_matches_numpy_bit_for_bit(kind, cls, hp, dt):
    rng = np.random.default_rng(5)
    # integer-valued gradients (times 1/4) keep the clipnorm's sum of squares exact in any order
    p0 = rng.standard_normal((7, 5)).astype(dt)
    opt = cls(**_kwargs(hp))
    p = pydl.tensor(p0, dtype=dt, requires_grad=True)
    ref = p0.copy()
    z = np.zeros_like(p0)
    state = {"v": z.copy(), "a": z.copy(), "d": z.copy(), "m": z.copy(), "vhat": z.copy(), "ms": 1.0}
    for t in range(1, 4):
        g = (rng.integers(-8, 9, size=p0.shape) / 4.0).astype(dt)
        opt.apply_gradients([(pydl.tensor(g, dtype=dt), p)])
        ref = reference(kind, ref, g, state, hp, t, dt)
        np.testing.assert_array_equal(np.asarray(p), ref, err_msg=f"step {t}")
    assert opt.iterations == 3


@pytest.mark.parametrize("dt", DTYPES)
def test_update_step_and_apply_to(dt):
    p = pydl.tensor([1.0, 2.0], dtype=dt, requires_grad=True)
    opt = O.SGD(lr=0.5)
    opt.update_step(pydl.tensor([1.0, -1.0], dtype=dt), p)
    np.testing.assert_array_equal(np.asarray(p), np.array([0.5, 2.5], dt))
    loss = (p * p).sum()
    loss.backward()
    assert opt.apply_to([p]) == 1
    assert p.grad is None  # cleared after the update
    np.testing.assert_array_equal(np.asarray(p), np.array([0.0, 0.0], dt))


def test_keras_spellings_and_defaults():
    assert O.SGD(lr=0.01).learning_rate == 0.01
    assert O.SGD(learning_rate=0.2).lr == 0.2
    assert O.get("adam").learning_rate == 0.001
    assert O.get("rmsprop").learning_rate == 0.001
    assert O.get("sgd").learning_rate == 0.01
    assert O.Adadelta().learning_rate == 1.0 and O.Nadam().learning_rate == 0.002
    opt = O.SGD(lr=0.1)
    opt.lr = 0.05
    assert opt.learning_rate == 0.05
    with pytest.raises(ValueError, match="not both"):
        O.SGD(lr=0.1, learning_rate=0.1)
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw2'"):
        O.get("adamw2")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        O.Adam(beta1=0.9)
    with pytest.raises(ValueError, match="clipnorm must be > 0"):
        O.SGD(clipnorm=0)


def test_schedules_drive_the_rate():
    sched = O.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = O.SGD(learning_rate=sched)
    p = pydl.tensor([0.0], requires_grad=True)
    for _ in range(3):
        opt.apply_gradients([(pydl.tensor([1.0]), p)])
    assert float(p[0]) == pytest.approx(-(0.1 + 0.05 + 0.025), rel=1e-6)
    assert O.schedules.PiecewiseConstantDecay([2], [1.0, 0.5])(3) == 0.5
    assert O.schedules.InverseTimeDecay(1.0, 1, 1.0)(1) == 0.5
    cfg = opt.get_config()
    assert O.SGD.from_config(cfg).learning_rate(2) == pytest.approx(0.025)


def test_global_clipnorm():
    a = pydl.tensor([0.0, 0.0], requires_grad=True)
    b = pydl.tensor([0.0], requires_grad=True)
    opt = O.SGD(lr=1.0, global_clipnorm=1.0)
    opt.apply_gradients([(pydl.tensor([3.0, 0.0]), a), (pydl.tensor([4.0]), b)])
    np.testing.assert_allclose(np.asarray(a), [-0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(b), [-0.8], rtol=1e-6)


def test_kernel_rejects_bad_slots():
    p = pydl.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="slot 'm'|missing slot 'm'"):
        pydl.nn_ops.optim_update(pydl.nn_ops.ADAM, [p], [pydl.tensor([1.0, 1.0])], [[]], 0.1)
    with pytest.raises(pydl.ShapeError, match=r"gradient of shape \(3,\) for a parameter of shape \(2,\)"):
        pydl.nn_ops.optim_update(pydl.nn_ops.SGD, [p], [pydl.tensor([1.0, 1.0, 1.0])], [[]], 0.1)
