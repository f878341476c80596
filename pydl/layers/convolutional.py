"""Convolution layers on pydl's NHWC conv ops: Conv1D and Conv2D share one base parameterized by rank;
Conv2DTranspose, UpSampling2D and ZeroPadding2D. Kernels use Keras's shapes ((k..., in, filters); transposed
(kh, kw, filters, in)), so Keras weight files map one to one. channels_last only."""

from .. import activations, constraints, initializers, nn_ops, ops, regularizers
from ..utils.registry import register
from .base import InputSpec, Layer
from .core import _deser_common, _weights_config


def _tuple(value, rank, name, layer):
    if isinstance(value, int) and not isinstance(value, bool):
        out = (value,) * rank
    else:
        out = tuple(value)
    if len(out) != rank or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in out):
        raise ValueError(f"{layer}: {name} must be a positive integer or a tuple of {rank} positive integers, got "
                         f"{value!r}")
    return out


def _check_format(data_format, layer):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer}: only data_format='channels_last' is supported (pydl is NHWC), got "
                         f"{data_format!r}")


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """One dim of a conv or pooling output (None stays None); the rule is the C++ ops' own (csrc/ops/window.h)."""
    return None if length is None else nn_ops.conv_output_length(length, kernel, padding, stride, dilation)


class _Conv(Layer):
    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{name}: filters must be a positive integer, got {filters!r}")
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size", name)
        self.strides = _tuple(strides, self.rank, "strides", name)
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate", name)
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        if padding not in allowed:
            raise ValueError(f"{name}: padding must be one of {allowed}, got {padding!r}")
        self.padding = padding
        _check_format(data_format, name)
        self.data_format = "channels_last"
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels, self.filters)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def _conv(self, inputs, fused):
        raise NotImplementedError

    def _pre_activation(self, inputs):
        return self._conv(inputs, None)

    def call(self, inputs, training=None):
        if self.activation is activations.relu:  # fused into the kernel's epilogue
            return self._conv(inputs, "relu")
        return self.activation(self._conv(inputs, None))

    def compute_output_shape(self, input_shape):
        spatial = [conv_output_length(input_shape[1 + i], self.kernel_size[i], self.padding, self.strides[i],
                                      self.dilation_rate[i]) for i in range(self.rank)]
        return (input_shape[0],) + tuple(spatial) + (self.filters,)

    def get_config(self):
        return dict(super().get_config(), filters=self.filters, kernel_size=list(self.kernel_size),
                    strides=list(self.strides), padding=self.padding, data_format=self.data_format,
                    dilation_rate=list(self.dilation_rate), **_weights_config(self))

    @classmethod
    def from_config(cls, config):
        return super().from_config(_deser_common(config))


@register("layer")
class Conv1D(_Conv):
    """Temporal convolution of (batch, steps, channels); kernel (k, in, filters). Params: k * in * filters + filters."""

    rank = 1

    def _conv(self, inputs, fused):
        return ops.conv1d(inputs, self.kernel, self.bias, self.strides[0], self.padding, self.dilation_rate[0],
                          fused)


@register("layer")
class Conv2D(_Conv):
    """Spatial convolution of (batch, h, w, channels); kernel (kh, kw, in, filters)."""

    rank = 2

    def _conv(self, inputs, fused):
        return ops.conv2d(inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate, fused)


@register("layer")
class Conv2DTranspose(Conv2D):
    """Transposed convolution (the gradient of Conv2D w.r.t. its input); kernel (kh, kw, filters, in)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        self.output_padding = None if output_padding is None else _tuple(output_padding, 2, "output_padding",
                                                                         "Conv2DTranspose")
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"Conv2DTranspose: output_padding {self.output_padding} must be smaller than the strides "
                             f"{self.strides}")

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _conv(self, inputs, fused):
        y = ops.conv2d_transpose(inputs, self.kernel, self.bias, self.strides, self.padding, self.output_padding,
                                 self.dilation_rate)
        return ops.relu(y) if fused == "relu" else y

    def compute_output_shape(self, input_shape):
        out = [None if input_shape[1 + i] is None else nn_ops.conv_transpose_output_length(
            input_shape[1 + i], self.kernel_size[i], self.padding, self.strides[i], self.dilation_rate[i],
            None if self.output_padding is None else self.output_padding[i]) for i in range(2)]
        return (input_shape[0],) + tuple(out) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = None if self.output_padding is None else list(self.output_padding)
        return config


@register("layer")
class UpSampling2D(Layer):
    """Repeats rows and columns (nearest neighbour) by `size`."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = _tuple(size, 2, "size", "UpSampling2D")
        _check_format(data_format, "UpSampling2D")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D: only interpolation='nearest' is supported, got {interpolation!r}")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=None):
        return ops.upsample2d(inputs, self.size)

    def compute_output_shape(self, s):
        return (s[0], None if s[1] is None else s[1] * self.size[0], None if s[2] is None else s[2] * self.size[1],
                s[3])

    def get_config(self):
        return dict(super().get_config(), size=list(self.size), data_format="channels_last")


@register("layer")
class ZeroPadding2D(Layer):
    """Zeros around height and width: an int, (rows, cols) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, "ZeroPadding2D")
        if isinstance(padding, int):
            pad = ((padding, padding), (padding, padding))
        elif len(padding) == 2 and all(isinstance(p, int) for p in padding):
            pad = ((padding[0], padding[0]), (padding[1], padding[1]))
        elif len(padding) == 2:
            pad = tuple(tuple(int(v) for v in p) for p in padding)
        else:
            raise ValueError(f"ZeroPadding2D: padding must be an int, a pair or a pair of pairs, got {padding!r}")
        if any(len(p) != 2 or min(p) < 0 for p in pad):
            raise ValueError(f"ZeroPadding2D: padding must be non-negative pairs, got {padding!r}")
        self.padding = pad
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=None):
        return ops.zero_pad2d(inputs, self.padding)

    def compute_output_shape(self, s):
        (t, b), (l, r) = self.padding
        return (s[0], None if s[1] is None else s[1] + t + b, None if s[2] is None else s[2] + l + r, s[3])

    def get_config(self):
        return dict(super().get_config(), padding=[list(p) for p in self.padding], data_format="channels_last")


