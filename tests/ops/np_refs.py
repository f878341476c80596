"""NumPy float64 references of the windowed ops (convolution, pooling), with Keras's output-length rules written
independently of pydl's C++. Shared by op_table.py, test_conv.py and test_pool.py."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# ---- Keras's output-length rules (keras.src.utils.conv_utils), written independently of pydl's C++ ----
def keras_conv_length(n, k, padding, stride, dilation=1):
    span = k + (k - 1) * (dilation - 1)
    out = {"same": n, "causal": n, "valid": n - span + 1}[padding]
    return (out + stride - 1) // stride


def keras_deconv_length(n, k, padding, output_padding, stride, dilation=1):
    span = k + (k - 1) * (dilation - 1)
    if output_padding is None:
        return n * stride + max(span - stride, 0) if padding == "valid" else n * stride
    pad = span // 2 if padding == "same" else 0
    return (n - 1) * stride + span - 2 * pad + output_padding


def tf_pads(n, k, stride, dilation, padding):
    """(before, after) zeros of TensorFlow's padding: 'same' puts the odd one at the end."""
    span = dilation * (k - 1) + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    out = -(-n // stride)
    total = max((out - 1) * stride + span - n, 0)
    return total // 2, total - total // 2


# ---- NumPy float64 references --------------------------------------------------------------------------------
def np_conv2d(x, w, b=None, strides=1, padding="valid", dilation=1, activation=None):
    (sh, sw), (dh, dw) = pair(strides), pair(dilation)
    kh, kw = w.shape[:2]
    (pt, pb), (pl, pr) = tf_pads(x.shape[1], kh, sh, dh, padding), tf_pads(x.shape[2], kw, sw, dw, padding)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(1, 2))
    win = win[:, ::sh, ::sw, :, ::dh, ::dw]                      # (n, oh, ow, c, kh, kw)
    y = np.tensordot(win, w, axes=([4, 5, 3], [0, 1, 2]))
    if b is not None:
        y = y + b
    return np.maximum(y, 0) if activation == "relu" else y


def np_conv1d(x, w, b=None, strides=1, padding="valid", dilation=1, activation=None):
    if padding == "causal":
        x = np.pad(x, ((0, 0), (dilation * (w.shape[0] - 1), 0), (0, 0)))
        padding = "valid"
    return np_conv2d(x[:, None], w[None], b, (1, strides), padding, (1, dilation), activation)[:, 0]


def np_conv2d_transpose(x, w, b=None, strides=1, padding="valid", output_padding=None, dilation=1):
    """Scatter each input pixel times the kernel into the full output, then crop like TensorFlow."""
    (sh, sw), (dh, dw) = pair(strides), pair(dilation)
    kh, kw, cout, _ = w.shape
    n, h, wd, _ = x.shape
    op = (None, None) if output_padding is None else pair(output_padding)
    oh = keras_deconv_length(h, kh, padding, op[0], sh, dh)
    ow = keras_deconv_length(wd, kw, padding, op[1], sw, dw)
    pt, pl = tf_pads(oh, kh, sh, dh, padding)[0], tf_pads(ow, kw, sw, dw, padding)[0]
    full = np.zeros((n, max(oh + pt, (h - 1) * sh + dh * (kh - 1) + 1),
                     max(ow + pl, (wd - 1) * sw + dw * (kw - 1) + 1), cout))
    for a in range(kh):
        for c in range(kw):
            contrib = x @ w[a, c].T                                # (n, h, w, cout)
            full[:, a * dh:a * dh + (h - 1) * sh + 1:sh, c * dw:c * dw + (wd - 1) * sw + 1:sw] += contrib
    y = full[:, pt:pt + oh, pl:pl + ow]
    return y if b is None else y + b


# ---- pooling (TensorFlow: 'same' windows ignore the padding, averages divide by what they cover) ----
def keras_pool_length(n, pool, padding, stride):
    return (n - pool) // stride + 1 if padding == "valid" else -(-n // stride)


def np_pool2d(x, is_max, pool, strides, padding):
    """Each window's elements inside the input, reduced; 'same' pads like TensorFlow (odd extra at the end)."""
    (ph, pw), (sh, sw) = pair(pool), pair(strides)
    n, h, w, c = x.shape
    oh, ow = keras_pool_length(h, ph, padding, sh), keras_pool_length(w, pw, padding, sw)
    pt = max((oh - 1) * sh + ph - h, 0) // 2 if padding == "same" else 0
    pl = max((ow - 1) * sw + pw - w, 0) // 2 if padding == "same" else 0
    y = np.empty((n, oh, ow, c))
    for i in range(oh):
        r0 = i * sh - pt
        for j in range(ow):
            c0 = j * sw - pl
            win = x[:, max(r0, 0):min(r0 + ph, h), max(c0, 0):min(c0 + pw, w)]
            y[:, i, j] = win.max(axis=(1, 2)) if is_max else win.mean(axis=(1, 2))
    return y


def np_pool1d(x, is_max, pool, stride, padding):
    return np_pool2d(x[:, None], is_max, (1, pool), (1, stride), padding)[:, 0]
