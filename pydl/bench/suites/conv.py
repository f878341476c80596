"""conv and pool suites: forward + backward of the book's convolution layers (LeNet-5, a VGG block, the GAN's
strided discriminator layer and a generator Conv2DTranspose, the sentiment model's Conv1D) and LeNet's max-pool.

Each call is one training step of the layer: forward, then backward from a fixed output gradient, producing the
gradients every library is asked for (kernel and bias always, the input except for a network's first layer).
The check compares the kernel gradient (the pooling input gradient). pydl works channels-last (NHWC, HWIO
kernels); PyTorch gets the same data already in its own layout (NCHW, OIHW, made contiguous, and padded
beforehand where TensorFlow's 'same' padding is asymmetric, which torch's conv2d cannot express), so no
conversion is timed. The NumPy column is the textbook way: sliding_window_view + tensordot (a BLAS GEMM) forward
and for the kernel gradient, one product per kernel tap scattered back for the input gradient.
"""
import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import pydl

from ..case import Case, register

# name, batch, (h, w, c), filters, (kh, kw), stride, padding, input gradient, relu
CONVS = (
    ("LeNet conv1", 128, (28, 28, 1), 32, (3, 3), 1, "valid", False, True),
    ("LeNet conv2", 128, (26, 26, 32), 64, (3, 3), 1, "valid", True, True),
    ("VGG block", 32, (56, 56, 64), 64, (3, 3), 1, "same", True, True),
    ("GAN disc", 128, (14, 14, 64), 128, (5, 5), 2, "same", True, True),
    ("Conv1D", 128, (1, 400, 64), 256, (1, 3), 1, "valid", True, True),
)
# the generator's first Conv2DTranspose(32, 5, padding='same') on the upsampled 14x14x64 map
TRANSPOSE = ("GAN gen T", 128, (14, 14, 64), 32, (5, 5), 1, "same")
POOL = ("maxpool 2x2", 128, (24, 24, 64), 2)


def _pads(n, k, s, padding):
    """TensorFlow's (before, after) zeros."""
    if padding == "valid":
        return 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _windows(xp, kh, kw, s):
    return sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::s, ::s]   # (n, oh, ow, c, kh, kw)


def _np_scatter(g, w, s, out_shape):
    """sum over taps of g @ w[i, j].T placed at the tap's offset: the input gradient of a convolution."""
    kh, kw = w.shape[:2]
    oh, ow = g.shape[1:3]
    out = np.zeros(out_shape, g.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s] += g @ w[i, j].T
    return out


def _np_conv_step(x, w, b, g, s, pads, relu, need_dx):
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    win = _windows(xp, w.shape[0], w.shape[1], s)
    y = np.tensordot(win, w, axes=([4, 5, 3], [0, 1, 2])) + b
    if relu:
        g = g * (y > 0)
    dw = np.tensordot(win, g, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)   # (c, kh, kw, o) -> HWIO
    g.sum(axis=(0, 1, 2))                                                           # bias gradient
    if need_dx:
        dxp = _np_scatter(g, w, s, xp.shape)
        dxp[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2]]  # crop (a view)
    return dw


def _pydl_step(fn, params, g):
    def step():
        for p in params:
            p.grad = None
        fn().backward(g)
        return params[1].grad
    return step


def _torch_step(torch, fn, params, g, grad_of_w):
    def step():
        for p in params:
            p.grad = None
        fn().backward(g)
        return grad_of_w(params[1].grad)
    return step


def _conv_case(torch, rng, name, batch, hwc, filters, k, s, padding, need_dx, relu):
    (h, w_, c), (kh, kw) = hwc, k
    x = rng.standard_normal((batch, h, w_, c), dtype=np.float32)
    w = (rng.standard_normal((kh, kw, c, filters)) / np.sqrt(kh * kw * c)).astype(np.float32)
    b = rng.standard_normal(filters, dtype=np.float32) * 0.1
    pads = (_pads(h, kh, s, padding), _pads(w_, kw, s, padding))
    oh, ow = (h + sum(pads[0]) - kh) // s + 1, (w_ + sum(pads[1]) - kw) // s + 1
    g = rng.standard_normal((batch, oh, ow, filters), dtype=np.float32)
    act = "relu" if relu else None
    one_d = h == 1
    if one_d:   # the Conv1D entry runs pydl.conv1d on (batch, steps, channels)
        px, pw = pydl.tensor(x[:, 0], requires_grad=need_dx), pydl.tensor(w[0], requires_grad=True)
        pg = pydl.tensor(g[:, 0])
        pyfn = functools.partial(pydl.conv1d, px, pw, strides=s, padding=padding, activation=act)
    else:
        px, pw, pg = pydl.tensor(x, requires_grad=need_dx), pydl.tensor(w, requires_grad=True), pydl.tensor(g)
        pyfn = functools.partial(pydl.conv2d, px, pw, strides=s, padding=padding, activation=act)
    pb = pydl.tensor(b, requires_grad=True)
    pstep = _pydl_step(lambda: pyfn(pb), [px, pw, pb], pg)
    if one_d:
        pstep0 = pstep
        pstep = lambda: pstep0()[None]  # noqa: E731  (compare as HWIO like the others)
    fns = {"pydl": pstep, "numpy": functools.partial(_np_conv_step, x, w, b, g, s, pads, relu, need_dx)}
    if torch:
        F = torch.nn.functional
        xt = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0))).transpose(0, 3, 1, 2)
        tx = torch.tensor(np.ascontiguousarray(xt), requires_grad=need_dx)
        tw = torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), requires_grad=True)
        tb = torch.tensor(b, requires_grad=True)
        tg = torch.tensor(np.ascontiguousarray(g.transpose(0, 3, 1, 2)))
        if one_d:
            tx = torch.tensor(np.ascontiguousarray(xt[:, :, 0]), requires_grad=need_dx)
            tw = torch.tensor(np.ascontiguousarray(w[0].transpose(2, 1, 0)), requires_grad=True)
            tg = tg[:, :, 0].contiguous()
            tfn = lambda: torch.relu(F.conv1d(tx, tw, tb, s))  # noqa: E731
            to_hwio = lambda gw: gw.permute(2, 1, 0)[None]  # noqa: E731
        else:
            tfn = lambda: torch.relu(F.conv2d(tx, tw, tb, s))  # noqa: E731
            to_hwio = lambda gw: gw.permute(2, 3, 1, 0)  # noqa: E731
        fns["torch"] = _torch_step(torch, tfn, [tx, tw, tb], tg, to_hwio)
    shape = f"{batch}x{h}x{w_}x{c}>{filters} {kh}x{kw}/{s}" if not one_d else f"{batch}x{w_}x{c}>{filters} k{kw}"
    flops = 2.0 * batch * oh * ow * filters * kh * kw * c * (3 if need_dx else 2)
    # relu: outputs within rounding of zero may fall on either side in each library, and each such pixel moves
    # the kernel gradient by about x * dy, a few 1e-3 of its largest value on the bigger layers
    return Case(name, shape, "GFLOP/s", flops, fns, tol=1e-2 if relu else 1e-3)


def _np_transpose_step(x, w, b, g, pads):
    """Conv2DTranspose (stride 1): forward scatters x through the kernel; backward is a convolution of g."""
    kh, kw = w.shape[:2]
    full = _np_scatter(x, w, 1, (x.shape[0], x.shape[1] + kh - 1, x.shape[2] + kw - 1, w.shape[2]))
    full[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2]] + b   # crop + bias
    gp = np.pad(g, ((0, 0), pads[0], pads[1], (0, 0)))
    win = _windows(gp, kh, kw, 1)                                                   # (n, h, w, out, kh, kw)
    np.tensordot(win, w, axes=([4, 5, 3], [0, 1, 2]))                               # input gradient
    g.sum(axis=(0, 1, 2))
    return np.tensordot(win, x, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)  # (out, kh, kw, in) -> HWOI


def _transpose_case(torch, rng, name, batch, hwc, filters, k, s, padding):
    (h, w_, c), (kh, kw) = hwc, k
    x = rng.standard_normal((batch, h, w_, c), dtype=np.float32)
    w = (rng.standard_normal((kh, kw, filters, c)) / np.sqrt(kh * kw * c)).astype(np.float32)
    b = rng.standard_normal(filters, dtype=np.float32) * 0.1
    g = rng.standard_normal((batch, h * s, w_ * s, filters), dtype=np.float32)
    pads = (_pads(h, kh, s, padding), _pads(w_, kw, s, padding))
    px, pw, pb = (pydl.tensor(a, requires_grad=True) for a in (x, w, b))
    fn = functools.partial(pydl.conv2d_transpose, px, pw, pb, strides=s, padding=padding)
    fns = {"pydl": _pydl_step(fn, [px, pw, pb], pydl.tensor(g)),
           "numpy": functools.partial(_np_transpose_step, x, w, b, g, pads)}
    if torch:
        tx = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
        tw = torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), requires_grad=True)   # (in, out, kh, kw)
        tb = torch.tensor(b, requires_grad=True)
        tg = torch.tensor(np.ascontiguousarray(g.transpose(0, 3, 1, 2)))
        tfn = lambda: torch.nn.functional.conv_transpose2d(tx, tw, tb, s, pads[0][0])  # noqa: E731
        fns["torch"] = _torch_step(torch, tfn, [tx, tw, tb], tg, lambda gw: gw.permute(2, 3, 1, 0))
    flops = 2.0 * batch * h * w_ * c * kh * kw * filters * 3
    return Case(name, f"{batch}x{h}x{w_}x{c}>{filters} {kh}x{kw}/{s}", "GFLOP/s", flops, fns, tol=1e-3)


def _np_maxpool_step(x, g, p):
    n, h, w, c = x.shape
    blocks = x.reshape(n, h // p, p, w // p, p, c)
    y = blocks.max(axis=(2, 4), keepdims=True)
    return ((blocks == y) * g.reshape(n, h // p, 1, w // p, 1, c)).reshape(x.shape)


@register("conv")
def cases(quick, torch):
    rng = np.random.default_rng(0)
    for name, batch, *rest in CONVS:
        yield _conv_case(torch, rng, name, max(batch // 4, 1) if quick else batch, *rest)
    name, batch, *rest = TRANSPOSE
    yield _transpose_case(torch, rng, name, max(batch // 4, 1) if quick else batch, *rest)


@register("pool")
def pool_cases(quick, torch):
    rng = np.random.default_rng(1)
    name, batch, (h, w, c), p = POOL
    batch = batch // 4 if quick else batch
    x = rng.standard_normal((batch, h, w, c), dtype=np.float32)
    g = rng.standard_normal((batch, h // p, w // p, c), dtype=np.float32)
    px, pg = pydl.tensor(x, requires_grad=True), pydl.tensor(g)

    def pstep():
        px.grad = None
        pydl.max_pool2d(px, p).backward(pg)
        return px.grad

    fns = {"pydl": pstep, "numpy": functools.partial(_np_maxpool_step, x, g, p)}
    if torch:
        tx = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
        tg = torch.tensor(np.ascontiguousarray(g.transpose(0, 3, 1, 2)))

        def tstep():
            tx.grad = None
            torch.nn.functional.max_pool2d(tx, p).backward(tg)
            return tx.grad.permute(0, 2, 3, 1)

        fns["torch"] = tstep
    nbytes = 4.0 * (2 * x.size + 2 * g.size)   # forward reads x, writes y; backward reads dy, writes dx
    yield Case(name, f"{batch}x{h}x{w}x{c} {p}x{p}", "GB/s", nbytes, fns, tol=1e-6)
