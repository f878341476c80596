"""conv2d, conv1d and conv2d_transpose: values vs a NumPy float64 reference (and PyTorch when installed), output
shapes vs Keras's rules, fp64 gradcheck for each option, bad inputs, and thread-count invariance."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import pydl
from pydl.autograd import gradcheck
from np_refs import (keras_conv_length, keras_deconv_length, np_conv1d, np_conv2d,  # noqa: F401
                     np_conv2d_transpose, pair, tf_pads)

DTYPES = ["float32", "float64"]


def ptensor(a, dtype, grad=False):
    return pydl.tensor(np.ascontiguousarray(a, dtype=dtype), requires_grad=grad)


def close(got, ref, dtype, terms):
    rtol, atol = (1e-5, 1e-6 * terms) if dtype == "float32" else (1e-11, 1e-12 * terms)
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, f"shape {got.shape} != {ref.shape}"
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol * max(1.0, np.abs(ref).max()))


# (n, h, w, c, filters, kernel, strides, padding, dilation, bias, activation)
CONV2D_CASES = [
    (2, 7, 9, 3, 5, (3, 2), (1, 2), "same", 1, True, None),      # odd sizes, even kernel width, 'same'
    (1, 9, 8, 2, 3, (2, 2), (3, 3), "valid", 1, False, None),    # stride > kernel
    (2, 5, 4, 3, 2, (5, 4), 1, "valid", 1, True, "relu"),        # kernel = input size
    (1, 6, 7, 2, 3, (4, 2), 1, "same", 1, True, None),           # 'same', even kernel: extra zeros at the end
    (2, 7, 7, 3, 4, 3, 2, "same", 1, True, "relu"),              # 'same', odd kernel, stride 2
    (1, 8, 9, 2, 2, (2, 4), (2, 3), "same", 1, False, None),     # 'same', even kernel, strides 2 and 3
    (1, 9, 9, 2, 3, 3, 1, "valid", 2, True, None),               # dilation
    (2, 8, 7, 3, 2, (3, 2), 1, "same", (2, 3), True, "sigmoid"),  # 'same' with dilation
    (1, 6, 6, 1, 1, 3, 1, "valid", 1, False, None),              # batch 1, channel 1, one filter
    (3, 4, 5, 6, 7, 1, 1, "valid", 1, True, None),               # 1x1 (the input is the GEMM operand)
    (2, 5, 5, 3, 4, 1, 2, "valid", 1, False, "tanh"),            # 1x1 with stride
    (1, 11, 13, 3, 4, (5, 5), (2, 2), "same", 1, True, "relu"),  # a GAN-style strided 5x5 layer
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV2D_CASES, ids=str)
def test_conv2d_forward(case, dtype, rng):
    n, h, w, c, f, k, s, padding, d, bias, act = case
    kh, kw = pair(k)
    x, wt = rng.standard_normal((n, h, w, c)), rng.standard_normal((kh, kw, c, f))
    b = rng.standard_normal(f) if bias else None
    y = pydl.conv2d(ptensor(x, dtype), ptensor(wt, dtype), None if b is None else ptensor(b, dtype), strides=s,
                    padding=padding, dilation=d, activation=act)
    ref = np_conv2d(x, wt, b, s, padding, d)
    if act == "relu":
        ref = np.maximum(ref, 0)
    elif act == "sigmoid":
        ref = 1 / (1 + np.exp(-ref))
    elif act == "tanh":
        ref = np.tanh(ref)
    assert y.dtype == getattr(pydl, dtype)
    close(y, ref, dtype, kh * kw * c)


def test_same_padding_puts_the_odd_zero_at_the_end():
    # TensorFlow: x = [1, 2, 3], kernel [1, 10] 'same' pads one zero after: [1 + 20, 2 + 30, 3 + 0]
    x = pydl.tensor(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1))
    w = pydl.tensor(np.array([1.0, 10.0]).reshape(2, 1, 1))
    assert pydl.conv1d(x, w, padding="same").reshape(-1).tolist() == [21.0, 32.0, 3.0]
    # causal pads before: [0 + 10, 1 + 20, 2 + 30]
    assert pydl.conv1d(x, w, padding="causal").reshape(-1).tolist() == [10.0, 21.0, 32.0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [(2, 11, 3, 4, 3, 1, "valid", 1), (1, 10, 2, 3, 4, 2, "same", 1),
                                  (3, 9, 4, 2, 2, 1, "causal", 2), (2, 7, 1, 1, 7, 3, "valid", 1),
                                  (1, 12, 5, 6, 1, 1, "same", 3)], ids=str)
def test_conv1d_forward(case, dtype, rng):
    n, steps, c, f, k, s, padding, d = case
    x, w, b = rng.standard_normal((n, steps, c)), rng.standard_normal((k, c, f)), rng.standard_normal(f)
    y = pydl.conv1d(ptensor(x, dtype), ptensor(w, dtype), ptensor(b, dtype), strides=s, padding=padding, dilation=d)
    assert y.shape == (n, keras_conv_length(steps, k, padding, s, d), f)
    close(y, np_conv1d(x, w, b, s, padding, d), dtype, k * c)


# (n, h, w, in, filters, kernel, strides, padding, output_padding)
TRANSPOSE_CASES = [
    (2, 4, 5, 3, 2, 3, 1, "valid", None),
    (1, 3, 4, 2, 3, (3, 2), 2, "same", None),
    (2, 3, 3, 4, 2, 5, 2, "same", 1),          # the book's generator layers: 5x5 'same'
    (1, 4, 3, 2, 2, (2, 3), (3, 2), "valid", (2, 1)),
    (1, 2, 3, 1, 1, 4, 2, "same", 1),          # even kernel with output_padding
    (2, 3, 2, 2, 3, 2, 3, "valid", None),      # stride > kernel: some outputs see no input
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv2d_transpose_forward(case, dtype, rng):
    n, h, w, cin, f, k, s, padding, op = case
    kh, kw = pair(k)
    x, wt, b = rng.standard_normal((n, h, w, cin)), rng.standard_normal((kh, kw, f, cin)), rng.standard_normal(f)
    y = pydl.conv2d_transpose(ptensor(x, dtype), ptensor(wt, dtype), ptensor(b, dtype), strides=s, padding=padding,
                              output_padding=op)
    close(y, np_conv2d_transpose(x, wt, b, s, padding, op), dtype, kh * kw * cin)


def test_conv2d_transpose_known_values():
    # strides 2, kernel [1, 10, 100], 'same' on [1, 2]: full [1, 10, 102, 20, 200] cropped to 4 from the start
    x = pydl.tensor(np.array([1.0, 2.0]).reshape(1, 1, 2, 1))
    w = pydl.tensor(np.array([1.0, 10.0, 100.0]).reshape(1, 3, 1, 1))
    y = pydl.conv2d_transpose(x, w, strides=(1, 2), padding="same")
    assert y.reshape(-1).tolist() == [1.0, 10.0, 102.0, 20.0]


def test_conv2d_transpose_is_the_gradient_of_conv2d(rng):
    x = pydl.tensor(rng.standard_normal((2, 9, 8, 3)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((5, 5, 3, 4)))
    y = pydl.conv2d(x, w, strides=2, padding="same")
    g = rng.standard_normal(y.shape)
    y.backward(pydl.tensor(g))
    t = pydl.conv2d_transpose(pydl.tensor(g), w, strides=2, padding="same", output_padding=(0, 1))
    np.testing.assert_allclose(np.asarray(t), np.asarray(x.grad), rtol=1e-12, atol=1e-12)


# ---- output shapes against Keras's rules ---------------------------------------------------------------------
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_output_shapes_follow_keras(padding):
    x = pydl.zeros((1, 9, 10, 1))
    for k in (1, 2, 3, 4):
        for s in (1, 2, 3, 5):
            for d in (1, 2):
                if padding == "valid" and d * (k - 1) + 1 > 9:
                    continue
                y = pydl.conv2d(x, pydl.zeros((k, k, 1, 2)), strides=s, padding=padding, dilation=d)
                expect = (1, keras_conv_length(9, k, padding, s, d), keras_conv_length(10, k, padding, s, d), 2)
                assert y.shape == expect, (k, s, d)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_transpose_output_shapes_follow_keras(padding):
    x = pydl.zeros((1, 4, 5, 2))
    for k in (1, 2, 3, 5):
        for s in (1, 2, 3):
            for op in [None] + list(range(s)):
                expect = (1, keras_deconv_length(4, k, padding, op, s), keras_deconv_length(5, k, padding, op, s), 3)
                w = pydl.zeros((k, k, 3, 2))
                try:
                    y = pydl.conv2d_transpose(x, w, strides=s, padding=padding, output_padding=op)
                except pydl.ShapeError as e:
                    # TensorFlow rejects these too: the convolution of the Keras length does not give the input back
                    assert padding == "same" and k % 2 == 0 and op == 0, (k, s, op, e)
                    continue
                assert y.shape == expect, (k, s, op)


# ---- gradients: fp64 gradcheck for every option ---------------------------------------------------------------
GRAD_CONV2D = [
    dict(strides=1, padding="valid"), dict(strides=2, padding="valid"), dict(strides=1, padding="same"),
    dict(strides=2, padding="same"), dict(strides=(1, 2), padding="same", dilation=2),
    dict(strides=1, padding="valid", dilation=(2, 1)), dict(strides=1, padding="same", activation="relu"),
    dict(strides=3, padding="valid"),
]


# (in, filters): (2, 3) takes the GEMM paths for the input and kernel gradients, (5, 8) the direct ones (which need
# a few input channels per vector and whole vectors of filters; float64 vectors hold 2, 4 or 8 values)
CHANNELS = [(2, 3), (5, 8)]


@pytest.mark.parametrize("kw", GRAD_CONV2D, ids=str)
@pytest.mark.parametrize("channels, bias", [(CHANNELS[0], True), (CHANNELS[1], True), (CHANNELS[1], False)], ids=str)
def test_conv2d_gradcheck(kw, channels, bias, rng):
    c, f = channels
    x = pydl.tensor(rng.standard_normal((2, 6, 5, c)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((3, 2, c, f)), requires_grad=True)
    b = pydl.tensor(rng.standard_normal(f), requires_grad=True) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    assert gradcheck(lambda x, w, *b: pydl.conv2d(x, w, b[0] if b else None, **kw), inputs)


def test_conv2d_gradcheck_pointwise_and_frozen_inputs(rng):
    x = pydl.tensor(rng.standard_normal((2, 3, 4, 3)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((1, 1, 3, 2)), requires_grad=True)
    b = pydl.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda x, w, b: pydl.conv2d(x, w, b), [x, w, b])
    frozen_w = pydl.tensor(rng.standard_normal((2, 2, 3, 2)))  # only x and b need gradients
    assert gradcheck(lambda x, b: pydl.conv2d(x, frozen_w, b, padding="same"), [x, b])


@pytest.mark.parametrize("kw", [dict(padding="valid"), dict(padding="same", strides=2), dict(padding="causal"),
                                dict(padding="causal", dilation=2), dict(padding="valid", strides=3)], ids=str)
@pytest.mark.parametrize("channels", CHANNELS, ids=str)
def test_conv1d_gradcheck(kw, channels, rng):
    c, f = channels
    x = pydl.tensor(rng.standard_normal((2, 9, c)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((3, c, f)), requires_grad=True)
    b = pydl.tensor(rng.standard_normal(f), requires_grad=True)
    assert gradcheck(lambda x, w, b: pydl.conv1d(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize("kw", [dict(padding="valid"), dict(padding="same"), dict(padding="same", strides=2),
                                dict(padding="valid", strides=2, output_padding=1),
                                dict(padding="same", strides=(2, 3), output_padding=(1, 2))], ids=str)
@pytest.mark.parametrize("channels", [(2, 2), (8, 5)], ids=str)
def test_conv2d_transpose_gradcheck(kw, channels, rng):
    cin, f = channels
    x = pydl.tensor(rng.standard_normal((2, 3, 3, cin)), requires_grad=True)
    w = pydl.tensor(rng.standard_normal((3, 3, f, cin)), requires_grad=True)
    b = pydl.tensor(rng.standard_normal(f), requires_grad=True)
    assert gradcheck(lambda x, w, b: pydl.conv2d_transpose(x, w, b, **kw), [x, w, b])


# ---- larger shapes: several blocks, threads, non-contiguous inputs --------------------------------------------
def test_large_conv_is_thread_count_invariant(rng, restore_threads):
    # several im2col blocks and backward-weight slots; bitwise the same result at 1 and 2 threads
    x = rng.standard_normal((6, 30, 30, 8)).astype(np.float32)
    w = rng.standard_normal((3, 3, 8, 16)).astype(np.float32)
    g = rng.standard_normal((6, 30, 30, 16)).astype(np.float32)
    results = []
    for threads in (1, 2):
        pydl.set_num_threads(threads)
        px, pw = pydl.tensor(x, requires_grad=True), pydl.tensor(w, requires_grad=True)
        pb = pydl.tensor(np.zeros(16, np.float32), requires_grad=True)
        y = pydl.conv2d(px, pw, pb, padding="same")
        y.backward(pydl.tensor(g))
        results.append([np.asarray(t).copy() for t in (y, px.grad, pw.grad, pb.grad)])
    for a, b in zip(*results):
        assert np.array_equal(a, b)
    close(results[0][0], np_conv2d(x.astype(np.float64), w.astype(np.float64), padding="same"), "float32", 72)


@pytest.mark.parametrize("case", [(2, 6, 5, 64, 128, 3, 1, "same"),     # kernel split into blocks of taps
                                  (1, 4, 5, 460, 130, 2, 2, "same"),    # each tap's channels split into blocks
                                  (2, 7, 6, 24, 36, 3, 2, "valid")],    # filters not a whole number of vectors
                         ids=str)
def test_wide_layers_all_gradients(case, rng):
    n, h, w, c, f, k, s, padding = case
    x, wt = rng.standard_normal((n, h, w, c)), rng.standard_normal((k, k, c, f))
    b = rng.standard_normal(f)
    px, pw, pb = (pydl.tensor(a, requires_grad=True) for a in (x, wt, b))
    y = pydl.conv2d(px, pw, pb, strides=s, padding=padding)
    close(y, np_conv2d(x, wt, b, s, padding), "float64", k * k * c)
    g = rng.standard_normal(y.shape)
    y.backward(pydl.tensor(g))
    # references: the kernel gradient is a sum over windows; the input gradient is the transposed convolution
    (pt, _), (pl, _) = tf_pads(h, k, s, 1, padding), tf_pads(w, k, s, 1, padding)
    xp = np.pad(x, ((0, 0), (pt, k), (pl, k), (0, 0)))
    win = sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::s, ::s][:, :g.shape[1], :g.shape[2]]
    close(pw.grad, np.tensordot(win, g, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3), "float64", g.size)
    close(pb.grad, g.sum(axis=(0, 1, 2)), "float64", g.size)
    dx = np.zeros_like(xp)
    for i in range(k):
        for j in range(k):
            dx[:, i:i + s * g.shape[1]:s, j:j + s * g.shape[2]:s] += g @ wt[i, j].T
    close(px.grad, dx[:, pt:pt + h, pl:pl + w], "float64", f * k * k)


def test_few_channels_padded_in_groups_of_images(rng):
    # 1-3 channels with 'same' padding are zero-padded into a bounded buffer a group of images at a time
    x, w = rng.standard_normal((40, 100, 90, 3)), rng.standard_normal((3, 3, 3, 4))
    close(pydl.conv2d(ptensor(x, "float32"), ptensor(w, "float32"), padding="same"), np_conv2d(x, w, padding="same"),
          "float32", 27)


def test_non_contiguous_inputs(rng):
    x = rng.standard_normal((2, 5, 6, 3))
    w = rng.standard_normal((2, 2, 3, 4))
    xt = pydl.tensor(np.ascontiguousarray(x.transpose(0, 2, 1, 3))).permute(0, 2, 1, 3)
    wt = pydl.tensor(np.ascontiguousarray(w[::-1]))[::-1]
    close(pydl.conv2d(xt, wt), np_conv2d(x, w), "float64", 12)


def test_empty_batch():
    y = pydl.conv2d(pydl.zeros((0, 5, 5, 2)), pydl.zeros((3, 3, 2, 4)))
    assert y.shape == (0, 3, 3, 4)


# ---- bad inputs -----------------------------------------------------------------------------------------------
def test_kernel_larger_than_input_with_valid_padding():
    with pytest.raises(pydl.ShapeError, match=r"\(4, 4, 2, 3\).*larger than the input of shape \(1, 3, 5, 2\)"):
        pydl.conv2d(pydl.zeros((1, 3, 5, 2)), pydl.zeros((4, 4, 2, 3)))
    with pytest.raises(pydl.ShapeError, match="larger than the input"):
        pydl.conv1d(pydl.zeros((1, 3, 2)), pydl.zeros((2, 2, 1)), dilation=3)
    assert pydl.conv2d(pydl.zeros((1, 3, 5, 2)), pydl.zeros((4, 4, 2, 3)), padding="same").shape == (1, 3, 5, 3)


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(pydl.ShapeError, match=r"\(2, 8, 8, 3\).*\(3, 3, 4, 5\)"):
        pydl.conv2d(pydl.zeros((2, 8, 8, 3)), pydl.zeros((3, 3, 4, 5)))
    with pytest.raises(pydl.ShapeError, match=r"\(2, 8, 3\).*\(3, 4, 5\)"):
        pydl.conv1d(pydl.zeros((2, 8, 3)), pydl.zeros((3, 4, 5)))
    with pytest.raises(pydl.ShapeError, match=r"\(2, 4, 4, 3\).*\(3, 3, 5, 4\)"):
        pydl.conv2d_transpose(pydl.zeros((2, 4, 4, 3)), pydl.zeros((3, 3, 5, 4)))


@pytest.mark.parametrize("bad", [0, -1, (1, 0)])
def test_non_positive_strides_and_dilation(bad):
    x, w = pydl.zeros((1, 5, 5, 1)), pydl.zeros((2, 2, 1, 1))
    with pytest.raises(ValueError, match="strides must be positive"):
        pydl.conv2d(x, w, strides=bad)
    with pytest.raises(ValueError, match="dilation must be positive"):
        pydl.conv2d(x, w, dilation=bad)
    with pytest.raises(ValueError, match="strides must be positive"):
        pydl.conv2d_transpose(x, w, strides=bad)


def test_other_bad_arguments():
    x, w = pydl.zeros((1, 5, 5, 2)), pydl.zeros((3, 3, 2, 4))
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same', got 'full'"):
        pydl.conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match="causal"):
        pydl.conv2d(x, w, padding="causal")
    with pytest.raises(pydl.ShapeError, match=r"bias of shape \(3,\)"):
        pydl.conv2d(x, w, pydl.zeros(3))
    with pytest.raises(pydl.ShapeError, match="4-D input"):
        pydl.conv2d(pydl.zeros((5, 5, 2)), w)
    with pytest.raises(pydl.DTypeError, match="float64"):
        pydl.conv2d(x, w.astype(pydl.float64))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        pydl.conv2d(x, w, activation="swish")
    with pytest.raises(ValueError, match="output_padding"):
        pydl.conv2d_transpose(x, pydl.zeros((3, 3, 4, 2)), strides=2, output_padding=2)
    with pytest.raises(ValueError, match="strides must be an int or a pair"):
        pydl.conv2d(x, w, strides=(1, 2, 3))


# ---- PyTorch (optional) ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [(2, 9, 8, 3, 4, 3, 2, 1), (1, 7, 7, 2, 3, 2, 1, 2), (3, 6, 5, 4, 2, 1, 1, 1)],
                         ids=str)
def test_conv2d_matches_torch(case, rng):
    torch = pytest.importorskip("torch")
    n, h, w, c, f, k, s, d = case
    x, wt, b = rng.standard_normal((n, h, w, c)), rng.standard_normal((k, k, c, f)), rng.standard_normal(f)
    g_shape = (n, keras_conv_length(h, k, "valid", s, d), keras_conv_length(w, k, "valid", s, d), f)
    g = rng.standard_normal(g_shape)
    px, pw, pb = (pydl.tensor(a, requires_grad=True) for a in (x, wt, b))
    pydl.conv2d(px, pw, pb, strides=s, dilation=d).backward(pydl.tensor(g))
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)      # NCHW
    tw = torch.tensor(wt.transpose(3, 2, 0, 1), requires_grad=True)     # OIHW
    tb = torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=s, dilation=d)
    ty.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(np.asarray(px.grad), tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(pw.grad), tw.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(pb.grad), tb.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_transpose_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x, w = rng.standard_normal((2, 4, 5, 3)), rng.standard_normal((3, 3, 2, 3))   # (kh, kw, out, in)
    y = pydl.conv2d_transpose(pydl.tensor(x), pydl.tensor(w), strides=2, padding="valid", output_padding=1)
    # torch's weight is (in, out, kh, kw); its output_padding also adds at the end
    ty = torch.nn.functional.conv_transpose2d(torch.tensor(x.transpose(0, 3, 1, 2)),
                                              torch.tensor(w.transpose(3, 2, 0, 1)), stride=2, output_padding=1)
    np.testing.assert_allclose(np.asarray(y), ty.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
