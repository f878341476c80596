"""Input(): the symbolic entry point of a functional model, and the InputLayer that produces it."""
from ..utils.registry import register
from .base import Layer, unique_name
from .node import KerasTensor, Node

# Integer inputs (ids for an Embedding) are accepted as Keras accepts them; the data keeps integer values all the way
# (int8/int16 data are held as int32, pydl's narrowest signed integer tensor, after a range check).
INT_INPUT_DTYPES = ("int8", "int16", "int32", "int64", "uint8")


@register("layer")
class InputLayer(Layer):
    """Holds a model input's shape; its single node has no inputs and outputs one KerasTensor."""

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None, name=None,
                 sparse=False, **kwargs):
        if name is None:
            name = unique_name("input")
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer needs input_shape= (or batch_input_shape=)")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        int_dtype = str(dtype) if dtype is not None and str(dtype) in INT_INPUT_DTYPES else None
        if dtype is not None and int_dtype is None and str(dtype) not in ("float32", "float64"):
            raise ValueError(f"InputLayer {name}: dtype must be float32, float64 or an integer dtype "
                             f"({', '.join(INT_INPUT_DTYPES)}), got {dtype!r}")
        super().__init__(name=name, dtype=None if int_dtype else dtype, batch_input_shape=batch_input_shape,
                         **kwargs)
        if int_dtype:
            self.dtype = int_dtype
        for s in self._batch_input_shape[1:]:
            if s is not None and (not isinstance(s, int) or s < 0):
                raise ValueError(f"InputLayer {name}: shape entries must be non-negative ints or None, "
                                 f"got {tuple(self._batch_input_shape[1:])}")
        self.built = True
        self.is_placeholder = True
        out = KerasTensor(self._batch_input_shape, self.dtype, name=name)
        Node(self, [], [out])

    def compute_output_shape(self, input_shape):
        return self._batch_input_shape

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype, "name": self.name,
                "sparse": False}


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None, batch_size=None):
    """A symbolic input: Input(shape=(784,)) stands for a batch of 784-vectors in a functional model.

    >>> x = pydl.layers.Input(shape=(784,))
    >>> x.shape
    (None, 784)
    """
    if shape is None and batch_shape is None:
        raise ValueError("Input() needs shape= (without the batch axis) or batch_shape=")
    if isinstance(shape, int):
        shape = (shape,)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, batch_input_shape=batch_shape, name=name,
                       dtype=dtype)
    return layer._inbound_nodes[0].output_tensors[0]
