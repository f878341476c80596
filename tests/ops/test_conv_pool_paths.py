"""The specialised CPU paths under conv2d and max pooling: kernel gradients over whole windows for few input channels,
the relu mask applied in place or folded into the backward kernels, SIMD max pooling over channel vectors plus a scalar tail, and the single-pass
backward of non-overlapping max pooling. Each against a NumPy reference, at every ISA the suite is run with."""
import numpy as np
import pytest

import pydl
from pydl.autograd import gradcheck


def tf_pad(n, k, s, d, padding):
    """(before, out) for one axis, TensorFlow rules."""
    span = d * (k - 1) + 1
    if padding == "valid":
        return 0, (n - span) // s + 1
    out = -(-n // s)
    return max((out - 1) * s + span - n, 0) // 2, out


def np_kernel_grads(x, g, kh, kw, strides, padding, dilation):
    """dw (kh, kw, c, f) and db of a convolution with output gradient g."""
    (sh, sw), (dh, dw) = strides, dilation
    (pt, oh), (pl, ow) = tf_pad(x.shape[1], kh, sh, dh, padding), tf_pad(x.shape[2], kw, sw, dw, padding)
    xp = np.pad(x, ((0, 0), (pt, dh * kh + sh * oh), (pl, dw * kw + sw * ow), (0, 0)))
    dwt = np.zeros((kh, kw, x.shape[3], g.shape[3]))
    for i in range(kh):
        for j in range(kw):
            win = xp[:, i * dh:i * dh + sh * oh:sh, j * dw:j * dw + sw * ow:sw]
            dwt[i, j] = np.tensordot(win, g, axes=([0, 1, 2], [0, 1, 2]))
    return dwt, g.sum(axis=(0, 1, 2))


# (n, h, w, c, filters, kernel, strides, padding, dilation): 1-3 input channels, filters whole vectors
FEW_CHANNEL_CASES = [
    (3, 12, 11, 1, 32, (3, 3), (1, 1), "valid", (1, 1)),   # LeNet's first layer
    (2, 9, 10, 1, 16, (3, 3), (1, 1), "same", (1, 1)),     # padding on every side
    (2, 11, 9, 3, 16, (5, 5), (2, 2), "same", (1, 1)),     # RGB, strided 5x5
    (2, 10, 10, 2, 32, (2, 3), (1, 2), "valid", (2, 1)),   # dilated rows, strided columns
    (1, 8, 9, 1, 16, (3, 2), (2, 1), "same", (1, 2)),      # dilated columns: the per-kernel-row path
    (5, 7, 6, 1, 64, (1, 3), (1, 1), "valid", (1, 1)),     # one kernel row
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", FEW_CHANNEL_CASES, ids=str)
def test_few_channel_kernel_gradient(case, dtype, rng):
    n, h, w, c, f, k, s, padding, d = case
    x, wt = rng.standard_normal((n, h, w, c)), rng.standard_normal(k + (c, f))
    px, pw = pydl.tensor(x.astype(dtype)), pydl.tensor(wt.astype(dtype), requires_grad=True)
    pb = pydl.tensor(np.zeros(f, dtype), requires_grad=True)
    y = pydl.conv2d(px, pw, pb, strides=s, padding=padding, dilation=d)
    g = rng.standard_normal(y.shape)
    y.backward(pydl.tensor(g.astype(dtype)))
    ref_w, ref_b = np_kernel_grads(x, g, k[0], k[1], s, padding, d)
    tol = dict(rtol=1e-4, atol=1e-4 * np.sqrt(g.size)) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(pw.grad), ref_w, **tol)
    np.testing.assert_allclose(np.asarray(pb.grad), ref_b, **tol)


def test_few_channel_gradcheck(rng):
    x = pydl.tensor(rng.standard_normal((2, 6, 7, 1)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((3, 3, 1, 8)), requires_grad=True)
    b = pydl.tensor(rng.standard_normal(8), requires_grad=True)
    assert gradcheck(lambda x, w, b: pydl.conv2d(x, w, b, padding="same", activation="relu"), [x, w, b])


def test_few_channel_kernel_gradient_is_thread_count_invariant(rng, restore_threads):
    x = rng.standard_normal((37, 28, 28, 1)).astype(np.float32)
    w = rng.standard_normal((3, 3, 1, 32)).astype(np.float32)
    g = rng.standard_normal((37, 26, 26, 32)).astype(np.float32)
    grads = []
    for threads in (1, 2):
        pydl.set_num_threads(threads)
        pw = pydl.tensor(w, requires_grad=True)
        pb = pydl.tensor(np.zeros(32, np.float32), requires_grad=True)
        pydl.conv2d(pydl.tensor(x), pw, pb).backward(pydl.tensor(g))
        grads.append((np.asarray(pw.grad).copy(), np.asarray(pb.grad).copy()))
    for a, b in zip(*grads):
        assert np.array_equal(a, b)


# ---- relu fused into conv2d: its mask may be applied to the incoming gradient in place -------------------------
def test_fused_relu_leaves_the_callers_gradient_alone(rng):
    x = pydl.tensor(rng.standard_normal((2, 6, 6, 3)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((3, 3, 3, 8)))
    g = rng.standard_normal((2, 4, 4, 8))
    for grad in (pydl.tensor(g.copy()), g.copy()):
        y = pydl.conv2d(x, w, activation="relu")
        y.backward(grad)
        np.testing.assert_array_equal(np.asarray(grad), g)


def test_fused_relu_gradient_shared_by_two_consumers(rng):
    # y feeds two ops whose backward passes may hand out one tensor: the mask must not leak into the other branch
    x = rng.standard_normal((2, 6, 6, 3))
    w = rng.standard_normal((3, 3, 3, 8))
    grads = []
    for fused in (True, False):
        px, pw = pydl.tensor(x, requires_grad=True), pydl.tensor(w, requires_grad=True)
        y = pydl.conv2d(px, pw, activation="relu") if fused else pydl.relu(pydl.conv2d(px, pw))
        z = pydl.conv2d(px, pw, activation="relu") if fused else pydl.relu(pydl.conv2d(px, pw))
        (y + z + y * 2.0).sum().backward()
        grads.append((np.asarray(px.grad).copy(), np.asarray(pw.grad).copy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ---- relu folded into the backward kernels: dy * (y > 0) formed a few images at a time, never written out -------
# (n, h, w, c, filters, kernel, strides, padding, dilation); some fall back to masking dy first (noted)
FUSED_RELU_CASES = [
    (9, 26, 26, 32, (3, 3), (1, 1), "valid", (1, 1)),   # LeNet's second layer: several groups per slot, a short one
    (5, 28, 28, 1, (3, 3), (1, 1), "valid", (1, 1)),    # LeNet's first layer (dx: the GEMM path, falls back)
    (3, 10, 11, 16, (3, 3), (2, 2), "same", (1, 1)),    # strided, padded
    (2, 12, 12, 8, (3, 3), (1, 1), "same", (2, 2)),     # dilated
    (2, 8, 8, 3, (5, 5), (1, 2), "same", (1, 1)),       # few channels, mixed strides
    (1, 7, 7, 32, (1, 1), (1, 1), "valid", (1, 1)),     # 1x1 (pointwise: falls back), batch 1
    (1, 6, 6, 64, (2, 2), (1, 1), "valid", (1, 1)),     # batch 1
    (3, 6, 6, 4, (3, 3), (1, 1), "same", (1, 1)),       # filters not a whole vector at every ISA
    (1, 40, 40, 16, (3, 3), (1, 1), "same", (1, 1)),    # an image larger than a masking group
]
FUSED_RELU_FILTERS = [64, 32, 32, 16, 16, 32, 48, 24, 64]
GRAD_SETS = {"x w b": (True, True, True), "w b": (False, True, True), "x": (True, False, False),
             "x w": (True, True, False), "w": (False, True, False), "x b": (True, False, True)}


def relu_conv_grads(x, w, b, g, geometry, grads, fused):
    s, padding, d = geometry
    px, pw, pb = (pydl.tensor(v, requires_grad=r) for v, r in zip((x, w, b), grads))
    if fused:
        y = pydl.conv2d(px, pw, pb, strides=s, padding=padding, dilation=d, activation="relu")
    else:
        y = pydl.relu(pydl.conv2d(px, pw, pb, strides=s, padding=padding, dilation=d))
    y.backward(pydl.tensor(g))
    return [np.asarray(y).copy()] + [np.asarray(t.grad).copy() for t, r in zip((px, pw, pb), grads) if r]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(FUSED_RELU_CASES)), ids=lambda i: str(FUSED_RELU_CASES[i]))
def test_fused_relu_backward_matches_conv_then_relu(case, dtype, rng, restore_threads):
    n, h, w, c, k, s, padding, d = FUSED_RELU_CASES[case]
    f = FUSED_RELU_FILTERS[case]
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    wt = (rng.standard_normal(k + (c, f)) / np.sqrt(k[0] * k[1] * c)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype) * 0.1
    y_shape = pydl.conv2d(pydl.tensor(x), pydl.tensor(wt), strides=s, padding=padding, dilation=d).shape
    g = rng.standard_normal(y_shape).astype(dtype)
    for name, grads in GRAD_SETS.items():
        results = []
        for threads in (1, 2):
            pydl.set_num_threads(threads)
            ref = relu_conv_grads(x, wt, b, g, (s, padding, d), grads, fused=False)
            got = relu_conv_grads(x, wt, b, g, (s, padding, d), grads, fused=True)
            # The same products summed in the same order: equal to the last bit, at any thread count.
            for a, r in zip(got, ref):
                np.testing.assert_array_equal(a, r, err_msg=f"grads {name}, {threads} threads")
            results.append(got)
        for a, r in zip(*results):
            np.testing.assert_array_equal(a, r, err_msg=f"grads {name}: 1 vs 2 threads")


def test_fused_relu_backward_against_numpy(rng):
    n, h, w, c, f = 3, 9, 8, 16, 32
    x, wt, g = rng.standard_normal((n, h, w, c)), rng.standard_normal((3, 3, c, f)) * 0.2, rng.standard_normal((n, 7, 6, f))
    px, pw = pydl.tensor(x, requires_grad=True), pydl.tensor(wt, requires_grad=True)
    pb = pydl.tensor(np.zeros(f), requires_grad=True)
    y = pydl.conv2d(px, pw, pb, activation="relu")
    y.backward(pydl.tensor(g))
    m = g * (np.asarray(y) > 0)
    ref_w, ref_b = np_kernel_grads(x, m, 3, 3, (1, 1), "valid", (1, 1))
    np.testing.assert_allclose(np.asarray(pw.grad), ref_w, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(pb.grad), ref_b, rtol=1e-10, atol=1e-10)
    dx = np.zeros_like(x)
    for i in range(3):
        for j in range(3):
            dx[:, i:i + 7, j:j + 6] += np.tensordot(m, wt[i, j], axes=([3], [1]))
    np.testing.assert_allclose(np.asarray(px.grad), dx, rtol=1e-10, atol=1e-10)


# ---- max pooling: channel vectors plus a scalar tail; non-overlapping windows written once --------------------
def np_max_pool(x, pool, strides, padding):
    """y and dx-routing (first maximum of each window, in row-major order) like TensorFlow, 'same' padding."""
    (ph, pw), (sh, sw) = pool, strides
    n, h, w, c = x.shape
    (pt, oh), (pl, ow) = tf_pad(h, ph, sh, 1, padding), tf_pad(w, pw, sw, 1, padding)
    y = np.empty((n, oh, ow, c))
    where = []
    for i in range(oh):
        r0, r1 = max(i * sh - pt, 0), min(i * sh - pt + ph, h)
        for j in range(ow):
            c0, c1 = max(j * sw - pl, 0), min(j * sw - pl + pw, w)
            win = x[:, r0:r1, c0:c1].reshape(n, -1, c)
            a = win.argmax(axis=1)
            y[:, i, j] = np.take_along_axis(win, a[:, None], axis=1)[:, 0]
            where.append((i, j, r0 + a // (c1 - c0), c0 + a % (c1 - c0)))
    return y, where


POOL_CASES = [
    (3, 24, 24, 64, (2, 2), (2, 2), "valid"),   # LeNet: whole vectors, windows tile the input
    (2, 9, 7, 37, (2, 2), (2, 2), "same"),      # vectors plus a tail; clipped windows at the end
    (2, 10, 11, 19, (2, 3), (3, 4), "valid"),   # stride > pool: rows and columns no window covers
    (2, 9, 9, 21, (3, 3), (2, 2), "same"),      # overlapping windows (the scatter path)
    (1, 5, 6, 5, (3, 2), (3, 2), "same"),       # fewer channels than a vector
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pool_forward_and_backward(case, dtype, rng):
    n, h, w, c, pool, strides, padding = case
    x = (rng.permutation(n * h * w * c) * 0.37 - 50.0).reshape(n, h, w, c)  # no ties
    px = pydl.tensor(x.astype(dtype), requires_grad=True)
    y = pydl.max_pool2d(px, pool, strides, padding)
    ref_y, where = np_max_pool(x.astype(dtype).astype(np.float64), pool, strides, padding)
    np.testing.assert_array_equal(np.asarray(y).astype(np.float64), ref_y)
    g = rng.standard_normal(ref_y.shape)
    y.backward(pydl.tensor(g.astype(dtype)))
    dx = np.zeros(x.shape)
    b, ch = np.arange(n)[:, None], np.arange(c)[None, :]
    for i, j, ih, iw in where:
        np.add.at(dx, (b, ih, iw, ch), g[:, i, j].astype(dtype).astype(np.float64))
    np.testing.assert_allclose(np.asarray(px.grad).astype(np.float64), dx, rtol=1e-6 if dtype == "float32" else 1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_pool_vectors_propagate_nan_and_keep_the_first_maximum(dtype):
    x = np.zeros((1, 2, 2, 40), dtype)
    x[0, 1, 1, 3] = np.nan        # NaN wins wherever it is
    x[0, :, :, 20] = 1.0          # a four-way tie: the first element (0, 0) wins
    px = pydl.tensor(x, requires_grad=True)
    y = pydl.max_pool2d(px, 2)
    assert np.isnan(np.asarray(y)[0, 0, 0, 3]) and np.asarray(y)[0, 0, 0, 20] == 1.0
    y.backward(pydl.tensor(np.ones((1, 1, 1, 40), dtype)))
    gx = np.asarray(px.grad)
    assert gx[0, 1, 1, 3] == 1.0 and gx[0, :, :, 3].sum() == 1.0
    assert gx[0, 0, 0, 20] == 1.0 and gx[0, :, :, 20].sum() == 1.0


def test_max_pool_backward_is_thread_count_invariant(rng, restore_threads):
    x = rng.standard_normal((9, 24, 24, 64)).astype(np.float32)
    g = rng.standard_normal((9, 12, 12, 64)).astype(np.float32)
    out = []
    for threads in (1, 2):
        pydl.set_num_threads(threads)
        px = pydl.tensor(x, requires_grad=True)
        y = pydl.max_pool2d(px, 2)
        y.backward(pydl.tensor(g))
        out.append((np.asarray(y).copy(), np.asarray(px.grad).copy()))
    for a, b in zip(*out):
        assert np.array_equal(a, b)
