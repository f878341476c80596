"""Activation layers with parameters: LeakyReLU, ReLU, ELU, Softmax."""
from .. import ops
from ..utils.registry import register
from .base import Layer


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # elementwise: the steps' mask passes through (Keras 2)

    def compute_output_shape(self, input_shape):
        return input_shape


@register("layer")
class LeakyReLU(_Elementwise):
    """x for x > 0, alpha * x otherwise. Keras's default alpha 0.3, also pydl.activations.leaky_relu's;
    pydl.ops.leaky_relu defaults to 0.2 like tf.nn.leaky_relu."""

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        if alpha < 0:
            raise ValueError(f"LeakyReLU: alpha must be >= 0, got {alpha!r}")
        self.alpha = float(alpha)

    def call(self, inputs, training=None):
        return ops.leaky_relu(inputs, self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


@register("layer")
class ReLU(_Elementwise):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: max_value must be >= 0, got {max_value!r}")
        self.max_value, self.negative_slope, self.threshold = max_value, float(negative_slope), float(threshold)

    def call(self, inputs, training=None):
        from ..activations import relu
        return relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        return dict(super().get_config(), max_value=self.max_value, negative_slope=self.negative_slope,
                    threshold=self.threshold)


@register("layer")
class ELU(_Elementwise):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs, training=None):
        return ops.elu(inputs, self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


@register("layer")
class Softmax(_Elementwise):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs, training=None):
        return ops.softmax(inputs, self.axis)

    def _pre_activation(self, inputs):
        return inputs

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)
