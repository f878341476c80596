"""Rows of the shared op table (op_table.py) for the network ops: convolution, pooling, upsample/zero-pad, dropout,
softmax cross-entropy, the optimizer update and gemm_. Same OpInfo columns; NumPy float64 references from
np_refs.py. Two references are partial, honestly so: dropout's keep-mask comes from pydl's own generator (it has
no NumPy twin; the row checks how the mask is applied and scaled, the gradient and device parity), and the
optimizer row covers one step of SGD, Nesterov momentum and Adam (tests/optimizers checks every rule, bit for bit).
"""
import math

import numpy as np

import pydl
from np_refs import np_conv1d, np_conv2d, np_conv2d_transpose, np_pool1d, np_pool2d
from op_table import Bad, OpInfo, P, Sample, grid, real


def _small(samples):
    return lambda rng: [s for s in samples(rng) if all(0 < a.size <= 200 for a in s.arrays)]


# ---- convolution -----------------------------------------------------------------------------------------------
# (x shape, w shape, kwargs)
CONV2D = [((2, 6, 6, 3), (3, 3, 3, 4), {}), ((1, 7, 5, 2), (3, 2, 2, 3), {"strides": 2, "padding": "same"}),
          ((1, 8, 8, 2), (3, 3, 2, 2), {"padding": "same", "dilation": 2, "activation": "relu"}),
          ((2, 4, 4, 3), (1, 1, 3, 5), {}), ((0, 5, 5, 2), (3, 3, 2, 2), {"padding": "same"})]
CONV2D_GRAD = [((1, 4, 4, 2), (3, 3, 2, 2), {}), ((1, 5, 4, 2), (2, 3, 2, 3), {"strides": 2, "padding": "same"})]
CONV1D = [((2, 9, 3), (3, 3, 4), {}), ((1, 10, 2), (3, 2, 3), {"padding": "causal", "dilation": 2}),
          ((2, 7, 2), (2, 2, 3), {"strides": 2, "padding": "same"})]
CONV1D_GRAD = [((1, 6, 2), (3, 2, 2), {"padding": "causal"})]
DECONV = [((2, 3, 4, 3), (3, 3, 2, 3), {}), ((1, 4, 3, 2), (3, 3, 4, 2), {"strides": 2, "padding": "same"}),
          ((1, 3, 3, 2), (3, 3, 2, 2), {"strides": 3, "padding": "same", "output_padding": 1})]
DECONV_GRAD = [((1, 3, 2, 2), (3, 3, 2, 2), {"strides": 2})]


def _conv_rows():
    def row(name, ref, cases, grads, bad):
        def samples(cs):
            def gen(rng):
                out = []
                for xs, ws, kw in cs:
                    bias = ws[-2] if name == "conv2d_transpose" else ws[-1]
                    out.append(Sample([real(rng, xs), real(rng, ws), real(rng, (bias,))], kw))
                return out
            return gen
        return OpInfo(name, P(name), ref, nin=3, samples=samples(cases), grad_samples=samples(grads),
                      terms=lambda s: int(np.prod(s.arrays[1].shape[:-1])), bad=bad)
    mismatch = [Bad([np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 2, 4)), np.zeros(4)], {}, pydl.ShapeError, ("3", "2"))]
    return [row("conv2d", np_conv2d, CONV2D, CONV2D_GRAD, mismatch),
            row("conv1d", np_conv1d, CONV1D, CONV1D_GRAD,
                [Bad([np.zeros((1, 4, 3)), np.zeros((3, 2, 4)), np.zeros(4)], {}, pydl.ShapeError, ())]),
            row("conv2d_transpose", np_conv2d_transpose, DECONV, DECONV_GRAD,
                [Bad([np.zeros((1, 3, 3, 3)), np.zeros((3, 3, 2, 4)), np.zeros(2)], {}, pydl.ShapeError, ())])]


# ---- pooling, upsample, zero-pad -------------------------------------------------------------------------------
POOL2D = [((2, 6, 6, 3), {}), ((1, 7, 9, 2), {"padding": "same"}), ((2, 7, 7, 1), {"pool_size": 3, "strides": 2,
          "padding": "same"}), ((1, 8, 7, 2), {"pool_size": (2, 3), "strides": (3, 2)})]
POOL1D = [((2, 9, 3), {}), ((1, 7, 2), {"pool_size": 3, "strides": 2, "padding": "same"})]


def _pool_ref(is_max, rank):
    def ref(x, pool_size=2, strides=None, padding="valid"):
        strides = pool_size if strides is None else strides
        if rank == 1:
            return np_pool1d(x, is_max, pool_size, strides, padding)
        return np_pool2d(x, is_max, pool_size, strides, padding)
    return ref


def _pool_rows():
    rows = []
    for name, is_max, rank, cases in [("max_pool2d", True, 2, POOL2D), ("avg_pool2d", False, 2, POOL2D),
                                      ("max_pool1d", True, 1, POOL1D), ("avg_pool1d", False, 1, POOL1D)]:
        samples = (lambda cs: lambda rng: [Sample([grid(0.0)(rng, xs)], kw) for xs, kw in cs])(cases)
        rows.append(OpInfo(name, P(name), _pool_ref(is_max, rank), samples=samples, grad_samples=_small(samples),
                           terms=lambda s: 9, bad=[Bad([np.zeros((1, 4, 4, 1) if rank == 2 else (1, 4, 1))],
                                                       {"pool_size": 0}, ValueError, ())]))
    for name, fn, axes in [("global_max_pool2d", np.max, (1, 2)), ("global_avg_pool2d", np.mean, (1, 2)),
                           ("global_max_pool1d", np.max, (1,)), ("global_avg_pool1d", np.mean, (1,))]:
        shape = (2, 3, 4, 2) if len(axes) == 2 else (2, 5, 3)
        samples = (lambda sh: lambda rng: [Sample([grid(0.0)(rng, sh)], {}),
                                           Sample([grid(0.0)(rng, sh)], {"keepdims": True})])(shape)
        rows.append(OpInfo(name, P(name), (lambda f, ax: lambda x, keepdims=False: f(x, axis=ax, keepdims=keepdims))(
            fn, axes), samples=samples, grad_samples=samples, terms=lambda s: s.arrays[0].size))
    up = lambda rng: [Sample([real(rng, (2, 2, 3, 2))], {}), Sample([real(rng, (1, 3, 2, 1))], {"size": (1, 3)})]  # noqa
    rows.append(OpInfo("upsample2d", P("upsample2d"), lambda x, size=2: np.repeat(np.repeat(
        x, (size if isinstance(size, int) else size[0]), axis=1), (size if isinstance(size, int) else size[1]),
        axis=2), samples=up, grad_samples=up, bad=[Bad([np.zeros((1, 2, 2, 1))], {"size": 0}, ValueError, ())]))
    zp = lambda rng: [Sample([real(rng, (1, 2, 3, 2))], {}), Sample([real(rng, (2, 2, 2, 1))],  # noqa: E731
                                                                    {"padding": ((1, 0), (0, 2))})]
    rows.append(OpInfo("zero_pad2d", P("zero_pad2d"), lambda x, padding=1: np.pad(
        x, ((0, 0),) + ((((padding,) * 2,) * 2) if isinstance(padding, int) else tuple(padding)) + ((0, 0),)),
        samples=zp, grad_samples=zp, bad=[Bad([np.zeros((1, 2, 2, 1))], {"padding": -1}, ValueError, ())]))
    return rows


# ---- dropout, softmax cross-entropy ----------------------------------------------------------------------------
def _dropout(x, rate):
    pydl.manual_seed(31)  # the same mask at every call (and on either device)
    return pydl.nn_ops.dropout(x, rate)


def _dropout_ref(x, rate):
    pydl.manual_seed(31)
    keep = np.asarray(pydl.nn_ops.dropout(pydl.ones(x.shape, dtype="float64"), rate)) != 0
    return np.where(keep, x / (1.0 - rate), 0.0)


def _dropout_samples(rng):
    return [Sample([real(rng, s)], {"rate": r}) for s, r in [((7,), 0.5), ((3, 33), 0.25), ((0, 4), 0.5),
                                                             ((2, 5), 0.0)]]


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _xent_ref(z, t):
    if t.dtype.kind in "iu":
        return -np.take_along_axis(_log_softmax(z), t[..., None], axis=-1)[..., 0]
    return -(t * _log_softmax(z)).sum(axis=-1)


def _xent_samples(rng):
    return [Sample([real(rng, (4, 5)), rng.integers(0, 5, 4)]), Sample([real(rng, (3, 6)), rng.uniform(0, 1, (3, 6))]),
            Sample([real(rng, (1, 1)), np.array([0])])]


# ---- optimizer update and gemm_ (in place: each call works on a copy; not differentiable) ------------------------
def _optim_step(p, g, optimizer, **kw):
    opt = getattr(pydl.optimizers, optimizer)(**kw)
    p = p.clone()
    slots = [p * 0.0 for _ in opt._active_slots()]  # zeros on p's device
    pydl.nn_ops.optim_update(opt._kind, [p], [g], [slots], **opt._prepare())
    return p


def _optim_ref(p, g, optimizer, learning_rate, momentum=0.0, nesterov=False):
    if optimizer == "SGD":  # first step from a zero velocity: v = -lr g
        return p - learning_rate * g * (1.0 + (momentum if nesterov else 0.0))
    lr_t = learning_rate * math.sqrt(1.0 - 0.999) / (1.0 - 0.9)  # Adam, t = 1 (Keras 2)
    return p - lr_t * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-7)


def _optim_samples(rng):
    kws = [{"optimizer": "SGD", "learning_rate": 0.1},
           {"optimizer": "SGD", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
           {"optimizer": "Adam", "learning_rate": 0.01}]
    return [Sample([real(rng, (7, 5)), real(rng, (7, 5))], kw) for kw in kws]


def _gemm(c, a, b, **kw):
    c = c.clone()
    pydl.ops.gemm_(c, a, b, **kw)
    return c


def _gemm_ref(c, a, b, alpha=1.0, beta=0.0, trans_a=False, trans_b=False):
    return alpha * ((a.T if trans_a else a) @ (b.T if trans_b else b)) + beta * c


def _gemm_samples(rng):
    return [Sample([real(rng, (3, 4)), real(rng, (3, 5)), real(rng, (5, 4))], {}),
            Sample([real(rng, (17, 9)), real(rng, (33, 17)), real(rng, (9, 33))],
                   {"alpha": 2.0, "beta": 0.5, "trans_a": True, "trans_b": True}),
            Sample([real(rng, (2, 3)), real(rng, (2, 0)), real(rng, (0, 3))], {"beta": 1.0})]


NN_OPS = _conv_rows() + _pool_rows() + [
    OpInfo("dropout", _dropout, _dropout_ref, samples=_dropout_samples, grad_samples=_small(_dropout_samples),
           bad=[Bad([np.zeros(3)], {"rate": 1.0}, ValueError, ())]),
    OpInfo("softmax_cross_entropy", lambda z, t: pydl.nn_ops.softmax_cross_entropy(z, t), _xent_ref, nin=2,
           samples=_xent_samples, grad_samples=_xent_samples, terms=lambda s: s.arrays[0].shape[-1],
           const_args=(1,), bad=[Bad([np.zeros((2, 3)), np.array([0, 3])], {}, IndexError, ("out of range",))]),
    OpInfo("optim_update", _optim_step, _optim_ref, nin=2, differentiable=False, samples=_optim_samples,
           noncontig=False),
    OpInfo("gemm_", _gemm, _gemm_ref, nin=3, differentiable=False, samples=_gemm_samples, noncontig=False,
           terms=lambda s: max(s.arrays[1].shape), bad=[Bad([np.zeros((2, 2)), np.zeros((2, 3)), np.zeros((2, 2))],
                                                            {}, pydl.ShapeError, ())]),
]
