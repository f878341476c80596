"""Core layers: Dense, Activation, Dropout, SpatialDropout1D, Flatten, Reshape, Lambda."""
import numpy as np

from .. import activations, constraints, initializers, nn_ops, ops, regularizers
from ..tensor import rand
from ..utils.registry import register
from .base import InputSpec, Layer


def _positive_int(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


@register("layer")
class Dense(Layer):
    """output = activation(inputs @ kernel + bias); kernel (input_dim, units). Params: (in + 1) * units."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True  # Keras 2: a Dense over time steps keeps the steps' mask

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got shape {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", (in_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def _pre_activation(self, inputs):
        y = ops.matmul(inputs, self.kernel)
        return y + self.bias if self.use_bias else y

    def call(self, inputs, training=None):
        return self.activation(self._pre_activation(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return dict(super().get_config(), units=self.units, **_weights_config(self))

    @classmethod
    def from_config(cls, config):
        return super().from_config(_deser_common(config))


def _weights_config(layer):
    """The config entries shared by layers with a kernel and a bias (Dense, the convolutions)."""
    return dict(activation=activations.serialize(layer.activation), use_bias=layer.use_bias,
                kernel_initializer=initializers.serialize(layer.kernel_initializer),
                bias_initializer=initializers.serialize(layer.bias_initializer),
                kernel_regularizer=_ser_reg(layer.kernel_regularizer),
                bias_regularizer=_ser_reg(layer.bias_regularizer),
                kernel_constraint=_ser_constraint(layer.kernel_constraint),
                bias_constraint=_ser_constraint(layer.bias_constraint))


def _ser_constraint(c):
    """A Constraint's config; a plain function cannot be saved (None), as in Keras without custom_objects."""
    return constraints.serialize(c) if isinstance(c, constraints.Constraint) else None


def _ser_reg(r):
    return None if r is None else regularizers.serialize(r)


def _deser_common(config):
    """Nested {'class_name', 'config'} specs back to objects (initializers, regularizers)."""
    config = dict(config)
    for k, v in list(config.items()):
        if isinstance(v, dict) and "class_name" in v:
            if k.endswith("_initializer"):
                config[k] = initializers.deserialize(v)
            elif k.endswith("_regularizer") and k != "activity_regularizer":
                config[k] = regularizers.deserialize(v)
            elif k.endswith("_constraint"):
                config[k] = constraints.deserialize(v)
    return config


@register("layer")
class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs, training=None):
        return self.activation(inputs)

    def _pre_activation(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class _DropoutBase(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"{type(self).__name__}: rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True  # elementwise: the steps' mask passes through (Keras 2)

    def _mask_shape(self, inputs):
        return tuple(inputs.shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        # The mask comes from pydl's counter-based generator, so pydl.manual_seed reproduces it at any thread count.
        mask_shape = self._mask_shape(inputs)
        if mask_shape == tuple(inputs.shape):
            return nn_ops.dropout(inputs, self.rate)  # one fused kernel: mask, scale and a mask-only backward
        keep = rand(*mask_shape, dtype=inputs.dtype, device=inputs.device) >= self.rate
        return ops.where(keep, inputs * (1.0 / (1.0 - self.rate)), 0.0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                      seed=self.seed)
        return config


@register("layer")
class Dropout(_DropoutBase):
    """Zeroes each input with probability `rate` during training and scales the rest by 1 / (1 - rate)."""

    def _mask_shape(self, inputs):
        if self.noise_shape is None:
            return tuple(inputs.shape)
        return tuple(d if n is None else n for n, d in zip(self.noise_shape, inputs.shape))


@register("layer")
class SpatialDropout1D(_DropoutBase):
    """Drops whole channels of (batch, steps, channels) inputs: one mask value per sample and channel."""

    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _mask_shape(self, inputs):
        return (inputs.shape[0], 1, inputs.shape[2])

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        config.pop("seed")
        return config


@register("layer")
class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs, training=None):
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(s is None for s in rest):
            raise ValueError(f"{self.name}: the input shape {tuple(input_shape)} is not fully defined; Flatten needs "
                             "every axis but the batch axis to be known")
        return (input_shape[0], int(np.prod(rest)) if rest else 1)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


@register("layer")
class Reshape(Layer):
    """Reshapes each sample to target_shape (without the batch axis); one entry may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(s) for s in target_shape)
        if sum(1 for s in self.target_shape if s == -1) > 1 or any(s < -1 or s == 0 for s in self.target_shape):
            raise ValueError(f"Reshape: target_shape must hold positive sizes and at most one -1, "
                             f"got {self.target_shape}")

    def _resolve(self, in_shape):
        size = int(np.prod(in_shape))
        known = int(np.prod([s for s in self.target_shape if s != -1]))
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"{self.name}: cannot reshape an input of shape {tuple(in_shape)} ({size} values) "
                                 f"to {self.target_shape}")
            return tuple(size // known if s == -1 else s for s in self.target_shape)
        if known != size:
            raise ValueError(f"{self.name}: cannot reshape an input of shape {tuple(in_shape)} ({size} values) "
                             f"to {self.target_shape} ({known} values)")
        return self.target_shape

    def call(self, inputs, training=None):
        return inputs.reshape((inputs.shape[0],) + self._resolve(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        if any(s is None for s in input_shape[1:]):
            return (input_shape[0],) + tuple(None if s == -1 else s for s in self.target_shape)
        return (input_shape[0],) + self._resolve(input_shape[1:])

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


@register("layer")
class Lambda(Layer):
    """Wraps a function of tensors as a layer. Saving stores the function's name only (never its code): loading
    needs custom_objects={name: function}."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape

    def call(self, inputs, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        return (shapes[0][0],) + tuple(self._output_shape)

    def get_config(self):
        name = getattr(self.function, "__name__", "<lambda>")
        if name == "<lambda>":
            raise ValueError(f"{self.name}: a Lambda built from an anonymous lambda cannot be saved (pydl never "
                             "stores code); use a named function and pass it to load_model via custom_objects")
        if callable(self._output_shape):
            raise ValueError(f"{self.name}: a callable output_shape cannot be saved; give a tuple")
        config = super().get_config()
        config.update(function=name, output_shape=None if self._output_shape is None else list(self._output_shape),
                      arguments=self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        name = config.pop("function")
        fn = (custom_objects or {}).get(name)
        if fn is None:
            raise ValueError(f"Lambda layer {config.get('name')!r} calls function '{name}', which pydl does not load "
                             f"from files: pass custom_objects={{'{name}': {name}}}")
        return cls(fn, **config)
