"""Conv and pool of inputs with a zero-size dim (issue #17, fuzz group empty-window).

Reference: TensorFlow/Keras (pydl's conventions): 'same' (and 'causal') padding gives ceil(n / stride) outputs, so
a zero length gives a zero-length output, not an error; 'valid' needs n >= the dilated window, and its error names
the padding that was passed. An empty batch gives an empty batch; zero input channels sum over nothing (bias only).
"""
import numpy as np
import pytest

import pydl


def test_same_padding_of_a_zero_length_gives_a_zero_length():
    w = pydl.ones((1, 3, 1, 2))
    y = pydl.conv2d(pydl.zeros((2, 2, 0, 1)), w, None, 2, "same")
    assert y.shape == (2, 1, 0, 2)
    assert pydl.conv1d(pydl.zeros((1, 0, 3)), pydl.ones((1, 3, 1)), None, 1, "same").shape == (1, 0, 1)
    assert pydl.conv1d(pydl.zeros((1, 0, 3)), pydl.ones((2, 3, 1)), padding="causal").shape == (1, 0, 1)
    assert pydl.max_pool2d(pydl.zeros((2, 4, 0, 2)), 2, 1, "same").shape == (2, 4, 0, 2)
    assert pydl.avg_pool2d(pydl.zeros((0, 2, 0, 3)), 2, 3, "same").shape == (0, 1, 0, 3)


def test_empty_batch_and_zero_length_have_gradients_of_zeros():
    x, w = pydl.zeros((2, 0, 3, 1), requires_grad=True), pydl.ones((2, 2, 1, 2), requires_grad=True)
    pydl.conv2d(x, w, padding="same").sum().backward()
    assert x.grad.shape == (2, 0, 3, 1)
    np.testing.assert_array_equal(np.asarray(w.grad), np.zeros((2, 2, 1, 2)))
    p = pydl.zeros((0, 3, 3, 1), requires_grad=True)
    pydl.max_pool2d(p, 2).sum().backward()
    assert p.grad.shape == (0, 3, 3, 1)


def test_zero_input_channels_give_the_bias():
    y = pydl.conv2d(pydl.zeros((1, 3, 3, 0)), pydl.zeros((2, 2, 0, 2)), pydl.tensor([1.5, -2.0]))
    np.testing.assert_array_equal(np.asarray(y), np.broadcast_to([1.5, -2.0], (1, 2, 2, 2)))


@pytest.mark.parametrize("call", [
    lambda: pydl.conv2d(pydl.zeros((2, 0, 2, 1)), pydl.ones((1, 1, 1, 3))),
    lambda: pydl.conv1d(pydl.zeros((1, 0, 3)), pydl.ones((1, 3, 1))),
    lambda: pydl.max_pool2d(pydl.zeros((2, 4, 0, 2)), 2, 1),
    lambda: pydl.avg_pool2d(pydl.zeros((1, 0, 3, 1)), 1)])
def test_valid_padding_of_a_zero_length_names_valid(call):
    with pytest.raises(pydl.ShapeError, match="larger than the input.*padding='valid'"):
        call()
