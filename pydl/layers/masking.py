"""Masking: marks the time steps whose features all equal mask_value as padding (Keras 2)."""
from .. import ops
from ..utils.registry import register
from .base import Layer


@register("layer")
class Masking(Layer):
    """(batch, steps, features) in, the same out with masked steps zeroed; the mask (batch, steps) is True where
    any feature differs from mask_value, and flows to the layers after it that take `mask=`."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.supports_masking = True

    def _keep(self, inputs):
        differs = ops.ne(inputs, self.mask_value).astype(inputs.dtype)
        return ops.max(differs, axis=-1, keepdims=True)  # 1.0 where any feature differs

    def compute_mask(self, inputs, mask=None):
        return ops.ne(ops.max(ops.ne(inputs, self.mask_value).astype(inputs.dtype), axis=-1), 0.0)

    def call(self, inputs, training=None):
        return inputs * self._keep(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return dict(super().get_config(), mask_value=self.mask_value)
