"""The one output-length rule of windowed ops (csrc/ops/window.h), seen from Python through pydl._C: it agrees with
Keras's formulas and with the shapes the ops produce, and rejects bad arguments."""
import itertools

import pytest

import pydl
from pydl import nn_ops


def keras_conv_length(n, k, padding, s, d):  # keras.utils.conv_utils.conv_output_length
    span = k + (k - 1) * (d - 1)
    out = n if padding in ("same", "causal") else n - span + 1
    return max(0, (out + s - 1) // s)


def keras_deconv_length(n, k, padding, s, d, output_padding):  # keras.utils.conv_utils.deconv_output_length
    span = k + (k - 1) * (d - 1)
    if output_padding is None:
        return n * s if padding == "same" else n * s + max(span - s, 0)
    return (n - 1) * s + span - 2 * (span // 2 if padding == "same" else 0) + output_padding


GRID = list(itertools.product([0, 1, 2, 5, 8], [1, 2, 3], ["valid", "same", "causal"], [1, 2, 3], [1, 2]))


@pytest.mark.parametrize("n,k,padding,s,d", GRID)
def test_conv_length_matches_keras(n, k, padding, s, d):
    assert nn_ops.conv_output_length(n, k, padding, s, d) == keras_conv_length(n, k, padding, s, d)


@pytest.mark.parametrize("n,k,padding,s,d", [g for g in GRID if g[0] > 0])
def test_conv1d_and_pool1d_shapes_follow_the_rule(n, k, padding, s, d):
    want = nn_ops.conv_output_length(n, k, padding, s, d)
    x, w = pydl.ones((1, n, 1)), pydl.ones((k, 1, 1))
    if want == 0:
        with pytest.raises(pydl.ShapeError):
            pydl.conv1d(x, w, strides=s, padding=padding, dilation=d)
        return
    assert pydl.conv1d(x, w, strides=s, padding=padding, dilation=d).shape == (1, want, 1)
    if d == 1 and padding != "causal":
        assert pydl.max_pool1d(x, k, s, padding).shape == (1, want, 1)


@pytest.mark.parametrize("n,k,padding,s,d,op", [(n, k, p, s, d, op) for n, k, p, s, d in GRID
                                                for op in (None, 0, 1) if n > 0 and p != "causal"
                                                and (op is None or op < s)])
def test_transpose_length_matches_keras_and_the_op(n, k, padding, s, d, op):
    want = keras_deconv_length(n, k, padding, s, d, op)
    assert nn_ops.conv_transpose_output_length(n, k, padding, s, d, op) == want
    x, w = pydl.ones((1, n, 1, 1)), pydl.ones((k, 1, 1, 1))
    try:
        y = pydl.conv2d_transpose(x, w, strides=(s, 1), padding=padding, dilation=(d, 1),
                                  output_padding=None if op is None else (op, 0))
    except pydl.ShapeError:  # an output_padding whose forward convolution does not give n back (Keras errs too)
        return
    assert y.shape[1] == want


def test_layers_use_the_rule():
    conv = pydl.layers.Conv1D(2, 3, strides=2, padding="valid")
    assert conv.compute_output_shape((None, 7, 4)) == (None, 3, 2)
    assert conv.compute_output_shape((None, None, 4)) == (None, None, 2)
    tr = pydl.layers.Conv2DTranspose(2, 5, strides=2, padding="same", output_padding=1)
    assert tr.compute_output_shape((None, 7, None, 3)) == (None, 14, None, 2)


@pytest.mark.parametrize("args,match", [((-1, 3, "valid", 1), "non-negative"), ((5, 0, "valid", 1), "positive"),
                                        ((5, 3, "valid", 0), "positive"), ((5, 3, "full", 1), "padding"),
                                        ((2**62, 2**62, "valid", 1, 4), "overflow")])
def test_bad_arguments_raise(args, match):
    with pytest.raises(ValueError, match=match):
        nn_ops.conv_output_length(*args)


def test_transpose_bad_arguments_raise():
    with pytest.raises(ValueError, match="smaller than the stride"):
        nn_ops.conv_transpose_output_length(4, 3, "same", 2, output_padding=2)
    with pytest.raises(ValueError, match="causal"):
        nn_ops.conv_transpose_output_length(4, 3, "causal", 2)
    with pytest.raises(ValueError, match="overflows"):
        nn_ops.conv_transpose_output_length(2**62, 3, "same", 4)
