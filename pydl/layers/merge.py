"""Layers that merge a list of tensors: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, and
their functional forms add([...]), concatenate([...]), ..."""
from .. import ops
from ..utils.registry import register
from .base import Layer


def _broadcast(a, b, layer):
    """Keras merge shapes: equal, or broadcastable with None for unknown sizes."""
    if len(a) != len(b):
        raise ValueError(f"{layer}: inputs must have the same rank to be merged, got shapes {a} and {b}")
    out = []
    for x, y in zip(a, b):
        if x is None or y is None:
            out.append(x if y is None else y if x is None else None)
        elif x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ValueError(f"{layer}: operands could not be broadcast together with shapes {a} {b}")
    return tuple(out)


class _Merge(Layer):
    def _check_list(self, inputs, shapes=False):
        bad = not isinstance(inputs, (list, tuple)) or len(inputs) < 2
        if shapes and not bad:  # a single shape is a tuple too: its entries are ints, not shapes
            bad = not all(isinstance(s, (list, tuple)) for s in inputs)
        if bad:
            raise ValueError(f"{self.name}: a merge layer must be called on a list of at least 2 inputs, got "
                             f"{type(inputs).__name__}")

    def build(self, input_shape):
        self._check_list(input_shape, shapes=True)
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape, shapes=True)
        out = tuple(input_shape[0])
        for s in input_shape[1:]:
            out = _broadcast(out, tuple(s), self.name)
        return out

    def call(self, inputs, training=None):
        self._check_list(inputs)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return self._finish(out, len(inputs))

    def _finish(self, out, n):
        return out


@register("layer")
class Add(_Merge):
    def _merge(self, a, b):
        return a + b


@register("layer")
class Subtract(_Merge):
    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.name}: Subtract takes exactly 2 inputs, got {len(input_shape)}")
        super().build(input_shape)

    def _merge(self, a, b):
        return a - b


@register("layer")
class Multiply(_Merge):
    def _merge(self, a, b):
        return a * b


@register("layer")
class Average(_Merge):
    def _merge(self, a, b):
        return a + b

    def _finish(self, out, n):
        return out * (1.0 / n)


@register("layer")
class Maximum(_Merge):
    def _merge(self, a, b):
        return ops.maximum(a, b)


@register("layer")
class Minimum(_Merge):
    def _merge(self, a, b):
        return ops.minimum(a, b)


@register("layer")
class Concatenate(_Merge):
    """Joins inputs along `axis` (default the last); the other axes must agree."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape, shapes=True)
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise ValueError(f"{self.name}: a Concatenate layer requires inputs of equal rank with axis {self.axis} "
                             f"in range; got input shapes {shapes}")
        ax = self.axis % rank
        out = list(shapes[0])
        for s in shapes[1:]:
            for i in range(rank):
                if i == ax:
                    continue
                if out[i] is not None and s[i] is not None and out[i] != s[i]:
                    raise ValueError(f"{self.name}: a Concatenate layer requires inputs with matching shapes except "
                                     f"for the concatenation axis {self.axis}. Got input shapes: {shapes}")
                out[i] = out[i] if out[i] is not None else s[i]
        sizes = [s[ax] for s in shapes]
        out[ax] = None if any(v is None for v in sizes) else sum(sizes)
        return tuple(out)

    def call(self, inputs, training=None):
        self._check_list(inputs)
        return ops.concatenate(list(inputs), axis=self.axis)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


def _functional(cls):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = f"Functional form of {cls.__name__}: {fn.__name__}([a, b], **layer_kwargs)."
    return fn


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of Concatenate: concatenate([a, b], axis=-1)."""
    return Concatenate(axis=axis, **kwargs)(inputs)
