"""What the keras.applications-style builders share: the input (input_tensor / input_shape), the pooling of a
headless network, and loading `weights=` once the model exists."""
from pydl import layers
from pydl.models import Model

from .weights import load_into


def image_input(input_tensor, input_shape, default_size, include_top):
    """The network's input tensor. Like Keras: with a top the default is default_size x default_size x 3; without
    one the spatial size is left open (None, None, 3) so the convolutional base takes any image size."""
    if input_tensor is not None:
        if not isinstance(input_tensor, layers.KerasTensor):
            raise TypeError(f"input_tensor must be a symbolic tensor from pydl.layers.Input(...), got "
                            f"{type(input_tensor).__name__}")
        return input_tensor
    if input_shape is None:
        input_shape = (default_size, default_size, 3) if include_top else (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels) (channels-last), got {input_shape}")
    return layers.Input(shape=input_shape)


def pool(x, pooling):
    """include_top=False: None keeps the 4-D feature map, 'avg' / 'max' reduce it to one vector per image."""
    if pooling is None:
        return x
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}")


def finish(model, weights, imagenet=None):
    """Loads `weights` (see weights.load_into) into the freshly built model and returns it."""
    if weights is not None:
        load_into(model, weights, imagenet=imagenet)
    return model


def functional(inputs, outputs, name, weights, imagenet=None):
    return finish(Model(inputs, outputs, name=name), weights, imagenet)
