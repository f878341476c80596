"""Symbolic tensors and the nodes that connect layers into a graph (the functional API's data structure).

Calling a layer on a KerasTensor runs no math: it records a Node (layer, input tensors, output tensors) and
returns new KerasTensors carrying their shape and their history (the layer, node and output index that made them).
"""


class KerasTensor:
    """A placeholder for a tensor inside a model graph: shape (None for the batch axis), dtype and history."""

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.dtype = str(dtype)
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def _keras_shape(self):  # Keras 2 spelling, used by some book code
        return self.shape

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} from layer={layer!r}>"

    def __len__(self):
        raise TypeError("a symbolic tensor has no length; it only becomes data inside a model")

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} is symbolic: build a Model from it and call fit/predict to get values")


class Node:
    """One call of `layer`: which symbolic tensors went in, which came out, and the extra call arguments."""

    def __init__(self, layer, input_tensors, output_tensors, call_kwargs=None, inputs_is_list=False):
        self.layer = layer
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.call_kwargs = dict(call_kwargs or {})
        self.inputs_is_list = inputs_is_list
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(self)

    @property
    def inbound_layers(self):
        return [t._keras_history[0] for t in self.input_tensors if t._keras_history is not None]

    def __repr__(self):
        return f"<Node {self.layer.name}: {[t.shape for t in self.input_tensors]} -> {[t.shape for t in self.output_tensors]}>"


def is_symbolic(x):
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)) and x and all(isinstance(t, KerasTensor) for t in x):
        return True
    return False
