"""VGG: stacks of 3x3 convolutions between 2x2 max-pooling. The book's VGGNet variant (Sequential, batch norm after
each block, 17 classes) and VGG16 / VGG19 with keras.applications' signature and layer names (block1_conv1, ...,
fc1, fc2, predictions), so Keras's weight files load by name."""
from pydl import layers
from pydl.models import Sequential

from .common import finish, functional, image_input, pool

VGG16_BLOCKS = (2, 2, 3, 3, 3)
VGG19_BLOCKS = (2, 2, 4, 4, 4)
FILTERS = (64, 128, 256, 512, 512)


def vggnet(input_shape=(224, 224, 3), classes=17, weights=None, dense_units=4096, width=1.0, padding="valid"):
    """The book's VGGNet: 33,672,785 params at 224x224x3 with 17 classes and the defaults.

    Its convolutions are unpadded ('valid'), so 224x224 shrinks to 1x1x512 before Flatten. dense_units, width (a
    factor on the filter counts) and padding='same' (for inputs smaller than ~200 pixels) are not in the book.
    """
    stack = []
    for n, filters in zip(VGG16_BLOCKS, FILTERS):
        for _ in range(n):
            extra = {"input_shape": tuple(input_shape)} if not stack else {}
            stack.append(layers.Conv2D(max(1, int(round(filters * width))), 3, activation="relu", padding=padding,
                                       **extra))
        stack += [layers.MaxPooling2D(2, 2), layers.BatchNormalization()]
    stack += [layers.Flatten(),
              layers.Dense(dense_units, activation="relu"), layers.Dropout(0.5),
              layers.Dense(dense_units, activation="relu"), layers.Dropout(0.5),
              layers.Dense(classes, activation="softmax")]
    return finish(Sequential(stack, name="vggnet"), weights)


def _vgg(name, blocks, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation):
    inputs = image_input(input_tensor, input_shape, 224, include_top)
    x = inputs
    for b, (n, filters) in enumerate(zip(blocks, FILTERS), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool(x, pooling)
    suffix = "" if include_top else "_notop"
    return functional(inputs, x, name, weights,
                      imagenet=(f"{name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5", name))


def vgg16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax"):
    """VGG16 like keras.applications.VGG16: 138,357,544 params with the top at 224x224x3, 14,714,688 without."""
    return _vgg("vgg16", VGG16_BLOCKS, include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation)


def vgg19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax"):
    """VGG19 like keras.applications.VGG19: 143,667,240 params with the top at 224x224x3, 20,024,384 without."""
    return _vgg("vgg19", VGG19_BLOCKS, include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation)
