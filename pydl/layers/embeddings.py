"""Embedding: integer ids (batch, ...) -> rows of a trainable (input_dim, output_dim) table, as in Keras 2.

The lookup and its gradient are one C++ op each (pydl.ops.embedding); ids stay integers all the way (int8/int16
ids are widened exactly to int32 at the boundary, since pydl's tensors hold uint8, int32 and int64)."""
import numpy as np

from .. import constraints, initializers, ops, regularizers
from ..autograd import is_grad_enabled
from ..nlp_ops import as_ids
from ..optimizers import sparse
from ..tensor import Tensor
from ..utils.registry import register
from .base import Layer
from .core import _positive_int, _ser_constraint


def _int_ids(layer, x):
    """x as integer ids: integer tensors/arrays as they are; float data only when every value is a whole number
    (Keras casts floats to int32; a fractional id is refused rather than truncated)."""
    if isinstance(x, Tensor) and not x.dtype.is_floating_point:
        return x
    arr = np.asarray(x.cpu()) if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.trunc(arr)):
            bad = arr[~(np.isfinite(arr) & (arr == np.trunc(arr)))].flat[0]
            raise TypeError(f"{layer.name}: Embedding inputs must be integer ids, got dtype {arr.dtype} with the "
                            f"non-integer value {bad!r}")
        arr = arr.astype(np.int64)
    t = as_ids(arr, op=layer.name)
    return t if layer._device is None else t.to(layer._device)


@register("layer")
class Embedding(Layer):
    """Turns positive integers (indexes) into dense vectors of fixed size: (batch, n) -> (batch, n, output_dim).
    Params: input_dim * output_dim.

    >>> pydl.layers.Embedding(5000, 64, input_length=100).compute_output_shape((None, 100))
    (None, 100, 64)
    """

    _input_dtype = "int32"  # the dtype of the Input a Sequential creates in front of this layer

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # Keras 2: an Embedding always knows its input rank, so a Sequential starting with it is built at once.
            if input_length is None:
                kwargs["input_shape"] = (None,)
            else:
                kwargs["input_shape"] = tuple(input_length) if isinstance(input_length, (list, tuple)) else \
                    (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        if input_length is not None:
            lengths = input_length if isinstance(input_length, (list, tuple)) else [input_length]
            for n in lengths:
                if n is not None:
                    _positive_int("Embedding", "input_length", n)
        self.input_length = input_length
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def _convert(self, x):
        return _int_ids(self, x)

    def call(self, inputs, training=None):
        ids = _int_ids(self, inputs)
        out = ops.embedding(ids, self.embeddings)  # validates the ids first: a bad batch leaves no note
        if self.embeddings.requires_grad and self.embeddings_regularizer is None and is_grad_enabled():
            sparse.note_rows(self.embeddings, ids)  # lets SGD / Adagrad update only these rows (exactly)
        return out

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.ne(_int_ids(self, inputs), 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) else [self.input_length]
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f"{self.name}: input_length is {self.input_length!r}, but the input has shape "
                             f"{input_shape}")
        for i, (want, got) in enumerate(zip(lengths, input_shape[1:])):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{self.name}: input_length is {self.input_length!r}, but the received input has "
                                 f"shape {input_shape}")
            if want is None:
                lengths[i] = got
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                      embeddings_regularizer=None if self.embeddings_regularizer is None else
                      regularizers.serialize(self.embeddings_regularizer),
                      embeddings_constraint=_ser_constraint(self.embeddings_constraint), mask_zero=self.mask_zero,
                      input_length=list(self.input_length) if isinstance(self.input_length, tuple) else
                      self.input_length)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("embeddings_initializer"), dict):
            config["embeddings_initializer"] = initializers.deserialize(config["embeddings_initializer"])
        if isinstance(config.get("embeddings_regularizer"), dict):
            config["embeddings_regularizer"] = regularizers.deserialize(config["embeddings_regularizer"])
        return super().from_config(config)
