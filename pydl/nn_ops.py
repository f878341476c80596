"""Fused training kernels of pydl's C++ core: softmax cross-entropy, dropout and optimizer updates.

Like pydl.ops, each function is one call into pydl._C (the only other modules allowed to import it are tensor.py,
ops.py and autograd.py).
"""
from . import _C

OptimKind = _C.OptimKind  # the update rules (a py::enum_ of C++'s OptimKind)
SGD, ADAGRAD, ADADELTA, RMSPROP, ADAM, NADAM = (OptimKind.SGD, OptimKind.Adagrad, OptimKind.Adadelta,
                                               OptimKind.RMSprop, OptimKind.Adam, OptimKind.Nadam)


def softmax_cross_entropy(logits, target):
    """Per-row -sum(target * log_softmax(logits)) over the last axis in one fused kernel (and one for backward).

    `target` is either one-hot/probability rows of logits' shape, or int64 class indices of shape logits.shape[:-1].

    >>> z = pydl.tensor([[2.0, 0.0]])
    >>> round(pydl.nn_ops.softmax_cross_entropy(z, pydl.tensor([0])).item(), 4)
    0.1269
    """
    return _C.softmax_cross_entropy(logits, target)


def dropout(x, rate):
    """Zeroes each element with probability `rate` and scales the others by 1 / (1 - rate), in one kernel.

    The mask comes from pydl's counter-based generator (16 bits per element, so `rate` resolves to 1/65536):
    `pydl.manual_seed` reproduces it at any thread count and on either device. Backward applies the same mask.

    >>> y = pydl.nn_ops.dropout(pydl.ones(1000), 0.5)
    >>> sorted(set(np.asarray(y).tolist()))
    [0.0, 2.0]
    """
    return _C.dropout(x, float(rate))


def optim_update(kind, params, grads, slots, lr, beta1=0.0, beta2=0.0, eps=1e-7, c=(), nesterov=False,
                 amsgrad=False, clipnorm=0.0, clipvalue=0.0, clear_grad=False):
    """Updates every parameter in place with one fused kernel each, in one call (GIL released).

    kind is an OptimKind. grads=None reads each parameter's .grad (skipping those without one); clear_grad then resets it.
    Returns the number of parameters updated. See csrc/core/optim.h (OptimStep) for each rule's slots and constants.
    """
    return _C._optim_update(kind, params, grads, slots, float(lr), float(beta1), float(beta2), float(eps),
                            [float(v) for v in c], bool(nesterov), bool(amsgrad), float(clipnorm or 0.0),
                            float(clipvalue or 0.0), bool(clear_grad))


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Output length along one dim of a convolution or pooling window (Keras/TensorFlow rules): the C++ ops' own rule.

    >>> pydl.nn_ops.conv_output_length(7, 3, "valid", 2), pydl.nn_ops.conv_output_length(7, 3, "same", 2)
    (3, 4)
    """
    return _C.conv_output_length(length, kernel, padding, stride, dilation)


def conv_transpose_output_length(length, kernel, padding, stride, dilation=1, output_padding=None):
    """Output length along one dim of a transposed convolution (Keras deconv_output_length), as conv2d_transpose.

    >>> f = pydl.nn_ops.conv_transpose_output_length
    >>> f(7, 5, "same", 2), f(7, 5, "valid", 2), f(7, 5, "same", 2, output_padding=1)
    (14, 17, 14)
    """
    return _C.conv_transpose_output_length(length, kernel, padding, stride, dilation,
                                           -1 if output_padding is None else output_padding)


__all__ = ["softmax_cross_entropy", "dropout", "optim_update", "OptimKind", "conv_output_length", "conv_transpose_output_length"]
