"""Layer wrappers (Keras 2): Bidirectional runs a recurrent layer and a go_backwards copy of it over the same
input; TimeDistributed applies a layer to every time step."""

from .. import ops
from ..utils.registry import register
from .base import Layer

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)
_CALLABLE_ATTRS = ("kernel_constraint", "recurrent_constraint", "bias_constraint", "kernel_regularizer",
                   "recurrent_regularizer", "bias_regularizer")


@register("layer")
class Bidirectional(Layer):
    """Bidirectional(layer, merge_mode='concat'|'sum'|'mul'|'ave'|None). The backward copy's sequence output is
    reversed back to input order before merging (Keras). Weights: the forward layer's, then the backward's."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"Bidirectional: expected a recurrent layer (SimpleRNN, LSTM, GRU), got {layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {_MERGE_MODES}, got {merge_mode!r}")
        super().__init__(**kwargs)
        self.merge_mode = merge_mode
        self.forward_layer = layer
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = not layer.go_backwards
            config["name"] = "backward_" + layer.name
            backward_layer = type(layer).from_config(config)
            # a plain function (a lambda constraint or regularizer) has no config: hand the same one over
            for attr in _CALLABLE_ATTRS:
                if getattr(backward_layer, attr, None) is None and getattr(layer, attr, None) is not None:
                    setattr(backward_layer, attr, getattr(layer, attr))
        self.backward_layer = backward_layer
        layer.name = "forward_" + layer.name if not layer.name.startswith("forward_") else layer.name
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        if weights is not None:
            self._initial_weights = list(weights)

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.forward_layer.built = True
        self.backward_layer.build(input_shape)
        self.backward_layer.built = True
        self.built = True

    def _merge(self, a, b):
        if self.merge_mode == "concat":
            return ops.concatenate([a, b], axis=-1)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "mul":
            return a * b
        if self.merge_mode == "ave":
            return (a + b) * 0.5
        return [a, b]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        fs = bs = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fs, bs = initial_state[:half], initial_state[half:]
        yf = self.forward_layer.call(inputs, mask=mask, training=training, initial_state=fs)
        yb = self.backward_layer.call(inputs, mask=mask, training=training, initial_state=bs)
        states = []
        if self.return_state:
            states = yf[1:] + yb[1:]
            yf, yb = yf[0], yb[0]
        if self.return_sequences:
            yb = yb[:, ::-1]
        out = self._merge(yf, yb)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            states = shape[1:] * 2
            shape = shape[0]
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        out = [tuple(shape), tuple(shape)] if self.merge_mode is None else [tuple(shape)]
        return out + states if (self.return_state or self.merge_mode is None) else out[0]

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        from ..saving.serialization import serialize_layer
        return dict(super().get_config(), merge_mode=self.merge_mode, layer=serialize_layer(self.forward_layer))

    @classmethod
    def from_config(cls, config):
        from ..saving.serialization import deserialize_layer
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        return cls(**config)


@register("layer")
class TimeDistributed(Layer):
    """Applies `layer` to every time step of (batch, time, ...) inputs: one call on (batch * time, ...)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: expected a Layer, got {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"{self.name}: expected an input of rank >= 3 (batch, time, ...), got shape "
                             f"{tuple(input_shape)}")
        self.layer.build((None,) + tuple(input_shape[2:]))
        self.layer.built = True
        self.built = True

    def call(self, inputs, training=None):
        b, t = inputs.shape[0], inputs.shape[1]
        flat = ops.reshape(inputs, (b * t,) + tuple(inputs.shape[2:]))
        y = self.layer.call(flat, **self.layer._training_kw(training))
        return ops.reshape(y, (b, t) + tuple(y.shape[1:]))

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def get_config(self):
        from ..saving.serialization import serialize_layer
        return dict(super().get_config(), layer=serialize_layer(self.layer))

    @classmethod
    def from_config(cls, config):
        from ..saving.serialization import deserialize_layer
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        return cls(**config)
