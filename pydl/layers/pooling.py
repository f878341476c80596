"""Pooling layers on pydl's pooling ops (channels_last): MaxPooling1D/2D, AveragePooling1D/2D and the global forms."""
from .. import ops
from ..utils.registry import register
from .base import InputSpec, Layer
from .convolutional import _check_format, _tuple, conv_output_length


class _Pool(Layer):
    rank = None
    _fn = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.pool_size = _tuple(pool_size, self.rank, "pool_size", name)
        self.strides = self.pool_size if strides is None else _tuple(strides, self.rank, "strides", name)
        if padding not in ("valid", "same"):
            raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        _check_format(data_format, name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        fn = type(self)._fn
        if self.rank == 1:
            return fn(inputs, self.pool_size[0], self.strides[0], self.padding)
        return fn(inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, s):
        spatial = [conv_output_length(s[1 + i], self.pool_size[i], self.padding, self.strides[i])
                   for i in range(self.rank)]
        return (s[0],) + tuple(spatial) + (s[-1],)

    def get_config(self):
        return dict(super().get_config(), pool_size=list(self.pool_size), strides=list(self.strides),
                    padding=self.padding, data_format="channels_last")


@register("layer")
class MaxPooling1D(_Pool):
    rank = 1
    _fn = staticmethod(ops.max_pool1d)


@register("layer")
class AveragePooling1D(_Pool):
    rank = 1
    _fn = staticmethod(ops.avg_pool1d)


@register("layer")
class MaxPooling2D(_Pool):
    rank = 2
    _fn = staticmethod(ops.max_pool2d)


@register("layer")
class AveragePooling2D(_Pool):
    rank = 2
    _fn = staticmethod(ops.avg_pool2d)


class _GlobalPool(Layer):
    rank = None
    _fn = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        return type(self)._fn(inputs)

    def compute_output_shape(self, s):
        return (s[0], s[-1])

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last")


@register("layer")
class GlobalMaxPooling1D(_GlobalPool):
    rank = 1
    _fn = staticmethod(ops.global_max_pool1d)


@register("layer")
class GlobalAveragePooling1D(_GlobalPool):
    rank = 1
    _fn = staticmethod(ops.global_avg_pool1d)


@register("layer")
class GlobalMaxPooling2D(_GlobalPool):
    rank = 2
    _fn = staticmethod(ops.global_max_pool2d)


@register("layer")
class GlobalAveragePooling2D(_GlobalPool):
    rank = 2
    _fn = staticmethod(ops.global_avg_pool2d)


# Keras aliases
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalMaxPool1D, GlobalAvgPool2D = GlobalMaxPooling1D, GlobalAveragePooling2D
