"""Sequential: a linear stack of layers, built on the functional engine (one Input, each layer called on the
previous output). With an input_shape / input_dim on the first layer it is built as layers are added; otherwise it
builds on the first data it sees (fit, predict, or calling it)."""
from ..layers.base import Layer
from ..layers.input_layer import Input, InputLayer
from ..layers.node import KerasTensor
from ..utils.registry import register
from .model import Model


def _input_dtype(layer):
    """The dtype of the Input in front of `layer`: integer ids for an Embedding, else the layer's own dtype."""
    return layer._input_dtype or layer.dtype


@register("layer")
class Sequential(Model):
    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack = []
        self._input_tensor = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        if isinstance(layer, KerasTensor):  # model.add(Input(shape=...)) as in Keras 2.3+
            if self._stack or self._input_tensor is not None:
                raise ValueError("An Input can only be added first to a Sequential model")
            self._input_tensor = layer
            self._init_graph(layer, layer)
            self._is_graph_network = True
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer!r}")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ValueError("An InputLayer can only be added first to a Sequential model")
            self._input_tensor = layer._inbound_nodes[0].output_tensors[0]
            self._init_graph(self._input_tensor, self._input_tensor)
            return
        if any(layer.name == l.name for l in self._stack):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name "
                             f"'{layer.name}' is already the name of a layer in this model")
        if self._device is not None:  # a model already moved with to(): its new layers follow
            layer.to(self._device)
        if self._input_tensor is None and not self._stack:
            shape = layer._batch_input_shape
            if shape is None and isinstance(layer, Model) and layer.inputs:
                shape = layer.inputs[0].shape
            if shape is not None:
                self._input_tensor = Input(batch_shape=shape, dtype=_input_dtype(layer), name=f"{layer.name}_input")
        self._stack.append(layer)
        if self._input_tensor is not None:
            out = layer(self.outputs[0] if self.outputs else self._input_tensor)
            if isinstance(out, list):
                raise ValueError("All layers in a Sequential model should have a single output tensor. For "
                                 "multi-output layers, use the functional API")
            self._init_graph(self._input_tensor, out)
        else:
            self.built = False

    def pop(self):
        if not self._stack:
            raise TypeError("There are no layers in the model")
        self._stack.pop()
        if self._input_tensor is not None:
            out = self._input_tensor
            if self._stack:
                out = self._stack[-1]._inbound_nodes[-1].output_tensors[0]
            self._init_graph(self._input_tensor, out)

    def _build_from_shape(self, batch_shape):
        if not self._stack:
            raise ValueError("The Sequential model has no layers: add layers before training or predicting")
        self._input_tensor = Input(batch_shape=tuple(batch_shape), dtype=_input_dtype(self._stack[0]),
                                   name=f"{self._stack[0].name}_input")
        out = self._input_tensor
        for layer in self._stack:
            out = layer(out)
        self._init_graph(self._input_tensor, out)

    def build(self, input_shape=None):
        if input_shape is None:
            if not self.built:
                raise ValueError("build() needs input_shape for a Sequential model without an input shape")
            return
        self._build_from_shape(tuple(input_shape))

    def call(self, inputs, training=None):
        if not self._is_graph_network:
            self._build_from_shape((None,) + tuple(inputs.shape[1:]))
        return super().call(inputs, training=training)

    def __call__(self, inputs, *args, **kwargs):
        if not self._is_graph_network and not isinstance(inputs, KerasTensor):
            first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
            self._build_from_shape((None,) + tuple(getattr(first, "shape", ()))[1:])
        elif not self._is_graph_network:
            self._build_from_shape(inputs.shape)
        return super().__call__(inputs, *args, **kwargs)

    def get_config(self):
        from ..saving.serialization import serialize_layer
        config = {"name": self.name, "layers": [serialize_layer(l) for l in self._stack]}
        if self._input_tensor is not None:
            config["build_input_shape"] = list(self._input_tensor.shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization import deserialize_layer
        model = cls(name=config.get("name"))
        # each layer is deserialized once: a nested model comes back built, with weights (a second copy of it, made
        # only to read its input dtype, overran the weight budget of load_model)
        layers = [deserialize_layer(spec, custom_objects) for spec in config["layers"]]
        shape = config.get("build_input_shape")
        if shape is not None:
            dtype = _input_dtype(layers[0]) if layers else None  # an Embedding first: integer ids
            model._input_tensor = Input(batch_shape=tuple(shape), dtype=dtype)
            model._init_graph(model._input_tensor, model._input_tensor)
        for layer in layers:
            model.add(layer)
        return model
