"""Recurrent layers (Keras 2): SimpleRNN, LSTM, GRU. The whole sequence runs in one C++ op per call
(pydl.ops.rnn), backpropagation through time in its gradient. Weights have Keras 2's names and shapes
(kernel (features, G*units), recurrent_kernel (units, G*units), bias (G*units,) or (2, 3*units) for
GRU(reset_after=True)), so Keras weight files map one-to-one."""
import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..tensor import rand
from ..utils.registry import register
from .base import InputSpec, Layer
from .core import _deser_common, _ser_constraint

_SUPPORTED_ACTS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")


def _act_name(layer, what, value):
    name = activations.serialize(activations.get(value))
    if name not in _SUPPORTED_ACTS:
        raise ValueError(f"{layer}: {what} {value!r} is not supported by the recurrent kernels; expected one of "
                         f"{', '.join(_SUPPORTED_ACTS)}")
    return name


def _rate(layer, what, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1:
        raise ValueError(f"{layer}: {what} must be a number in [0, 1), got {v!r}")
    return float(v)


class _ForgetBiasInit:
    """LSTM's unit_forget_bias: the bias initializer's values with ones for the forget gate (Keras)."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        u = self.units
        parts = [np.asarray(self.base((u,), dtype=dtype)), np.ones(u), np.asarray(self.base((2 * u,), dtype=dtype))]
        return np.concatenate(parts).astype(dtype or "float32")


class RNNBase(Layer):
    """What SimpleRNN, LSTM and GRU share; subclasses set _cell and _gates."""
    _cell, _gates, _default_rec_act = "simple_rnn", 1, None

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"{cls}: units must be a positive integer, got {units!r}")
        if stateful:
            raise NotImplementedError(f"{cls}: stateful=True is not supported yet (states are not kept between "
                                      f"batches); pass initial_state= to call() instead")
        self.units = units
        self.activation = _act_name(cls, "activation", activation)
        self.recurrent_activation = (_act_name(cls, "recurrent_activation", recurrent_activation or
                                               self._default_rec_act) if self._default_rec_act else None)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # resolved here so that a bad name fails at construction and get_config can save them (Bidirectional's
        # backward copy is made from the config); add_weight attaches them for the optimizer to project
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(cls, "dropout", dropout)
        self.recurrent_dropout = _rate(cls, "recurrent_dropout", recurrent_dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), False, bool(unroll)
        self.input_spec = InputSpec(ndim=3)
        self.supports_masking = True

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        f = input_shape[-1]
        if f is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got shape {tuple(input_shape)}")
        gu = self._gates * self.units
        self.kernel = self.add_weight("kernel", (f, gu), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, gu),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=3, axes={-1: f})
        self.built = True

    def _biases(self):
        return self.bias, None

    def _n_states(self):
        return 1

    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = inputs
        batch = x.shape[0]
        if training and self.dropout > 0:  # one mask per sample and feature for all steps (Keras 2)
            keep = rand(batch, 1, x.shape[2], dtype=x.dtype, device=x.device) >= self.dropout
            x = ops.where(keep, x * (1.0 / (1.0 - self.dropout)), 0.0)
        rmask = None
        if training and self.recurrent_dropout > 0:
            keep = rand(batch, self.units, dtype=x.dtype, device=x.device) >= self.recurrent_dropout
            rmask = ops.where(keep, 1.0 / (1.0 - self.recurrent_dropout), 0.0).astype(x.dtype)
        if initial_state is not None and not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        bias, rbias = self._biases()
        y = ops.rnn(x, self.kernel, self.recurrent_kernel, bias, cell=self._cell_name(), recurrent_bias=rbias,
                    initial_state=initial_state, mask=mask, recurrent_mask=rmask, activation=self.activation,
                    recurrent_activation=self.recurrent_activation or "sigmoid", go_backwards=self.go_backwards)
        u = self.units
        seq = y[:, :, :u] if self._n_states() == 2 else y
        out = seq if self.return_sequences else seq[:, -1, :]
        if not self.return_state:
            return out
        return [out, seq[:, -1, :]] + ([y[:, -1, u:]] if self._n_states() == 2 else [])

    def _cell_name(self):
        return self._cell

    def compute_output_shape(self, input_shape):
        b, t = input_shape[0], input_shape[1]
        out = (b, t, self.units) if self.return_sequences else (b, self.units)
        if not self.return_state:
            return out
        return [out] + [(b, self.units)] * self._n_states()

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        return [out] + [None] * self._n_states() if self.return_state else out

    def get_config(self):
        ser = initializers.serialize
        reg = lambda r: None if r is None else regularizers.serialize(r)  # noqa: E731
        config = dict(super().get_config(), units=self.units, activation=self.activation, use_bias=self.use_bias,
                      kernel_initializer=ser(self.kernel_initializer),
                      recurrent_initializer=ser(self.recurrent_initializer),
                      bias_initializer=ser(self.bias_initializer), kernel_regularizer=reg(self.kernel_regularizer),
                      recurrent_regularizer=reg(self.recurrent_regularizer),
                      bias_regularizer=reg(self.bias_regularizer),
                      kernel_constraint=_ser_constraint(self.kernel_constraint),
                      recurrent_constraint=_ser_constraint(self.recurrent_constraint),
                      bias_constraint=_ser_constraint(self.bias_constraint), dropout=self.dropout,
                      recurrent_dropout=self.recurrent_dropout, return_sequences=self.return_sequences,
                      return_state=self.return_state, go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll)
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = self.recurrent_activation
        return config

    @classmethod
    def from_config(cls, config):
        return super().from_config(_deser_common(config))


@register("layer")
class SimpleRNN(RNNBase):
    """Fully connected RNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""
    _cell, _gates = "simple_rnn", 1


@register("layer")
class LSTM(RNNBase):
    """Long short-term memory (Keras 2 gate order i, f, c, o; unit_forget_bias=True by default)."""
    _cell, _gates, _default_rec_act = "lstm", 4, "sigmoid"

    def __init__(self, units, unit_forget_bias=True, implementation=1, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias, self.implementation = bool(unit_forget_bias), implementation

    def _bias_initializer(self):
        return _ForgetBiasInit(self.bias_initializer, self.units) if self.unit_forget_bias else self.bias_initializer

    def _n_states(self):
        return 2

    def get_config(self):
        return dict(super().get_config(), unit_forget_bias=self.unit_forget_bias, implementation=self.implementation)


@register("layer")
class GRU(RNNBase):
    """Gated recurrent unit (Keras 2 gate order z, r, h). reset_after=False (Keras 2's default, the book's) applies
    the reset gate before the recurrent product; reset_after=True after it, with a second (recurrent) bias row."""
    _gates, _default_rec_act = 3, "sigmoid"

    def __init__(self, units, reset_after=False, implementation=1, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after, self.implementation = bool(reset_after), implementation

    def _cell_name(self):
        return "gru_reset_after" if self.reset_after else "gru"

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _biases(self):
        if self.bias is None or not self.reset_after:
            return self.bias, None
        return self.bias[0], self.bias[1]

    def get_config(self):
        return dict(super().get_config(), reset_after=self.reset_after, implementation=self.implementation)
