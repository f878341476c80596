"""BatchNormalization (Keras 2 semantics): batch statistics in training, moving averages in inference."""
from .. import constraints, initializers, ops, regularizers
from ..autograd import no_grad
from ..utils.registry import register
from .base import InputSpec, Layer
from .core import _deser_common, _ser_constraint, _ser_reg


@register("layer")
class BatchNormalization(Layer):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta over every axis but `axis`.

    Training uses the batch's mean and (biased) variance and moves the non-trainable moving_mean / moving_variance
    towards them by (1 - momentum), the variance with Keras 2's sample-size correction n / (n - 1 - epsilon).
    Inference (predict, evaluate, training=False) uses the moving statistics. Params: 4 * channels, of which
    2 * channels (the moving statistics) are non-trainable.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum!r}")
        if epsilon <= 0:
            raise ValueError(f"BatchNormalization: epsilon must be positive, got {epsilon!r}")
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"{self.name}: axis {self.axis} is out of range for inputs of shape {tuple(input_shape)}")
        ax = self.axis % ndim
        dim = input_shape[ax]
        if dim is None:
            raise ValueError(f"{self.name}: axis {self.axis} of the input shape {tuple(input_shape)} must be known")
        self._ax = ax
        self._reduce = tuple(i for i in range(ndim) if i != ax)
        self._bshape = None if ax == ndim - 1 else tuple(dim if i == ax else 1 for i in range(ndim))
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        self.built = True

    def _b(self, t):
        return t if self._bshape is None else t.reshape(self._bshape)

    def _normalize(self, x, mean, var):
        # y = x * inv + (beta - mean * inv): two passes over x instead of four
        inv = ops.reciprocal(ops.sqrt(var + self.epsilon))
        if self.gamma is not None:
            inv = inv * self.gamma
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + self.beta
        return x * self._b(inv) + self._b(shift)

    def call(self, inputs, training=None):
        if not training:
            return self._normalize(inputs, self.moving_mean, self.moving_variance)
        mean = ops.mean(inputs, axis=self._reduce)
        var = ops.var(inputs, axis=self._reduce)
        if self.trainable:  # a frozen layer keeps its statistics (Keras 2: no updates when not trainable)
            n = inputs.size // max(1, inputs.shape[self._ax])
            with no_grad():
                m = 1.0 - self.momentum
                unbiased = var.detach() * (n / max(n - (1.0 + self.epsilon), 1e-12))
                self.moving_mean[...] = self.moving_mean - (self.moving_mean - mean.detach()) * m
                self.moving_variance[...] = self.moving_variance - (self.moving_variance - unbiased) * m
        return self._normalize(inputs, mean, var)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
                      scale=self.scale, beta_initializer=initializers.serialize(self.beta_initializer),
                      gamma_initializer=initializers.serialize(self.gamma_initializer),
                      moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                      moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
                      beta_regularizer=_ser_reg(self.beta_regularizer),
                      gamma_regularizer=_ser_reg(self.gamma_regularizer),
                      beta_constraint=_ser_constraint(self.beta_constraint),
                      gamma_constraint=_ser_constraint(self.gamma_constraint))
        return config

    @classmethod
    def from_config(cls, config):
        return super().from_config(_deser_common(config))
