"""ResNet-18/34/50 with the functional API: a 7x7 stride-2 stem, four stages of residual blocks, global average
pooling. Layer names, convolution biases and BN epsilon (1.001e-5) follow keras.applications.ResNet50, so Keras's
ResNet50 weight files load by name; ResNet-18/34 (not in keras.applications) use the same conventions.

A residual block computes relu(F(x) + shortcut(x)). The shortcut is the identity, or a 1x1 convolution + BN (a
projection) where the block changes the spatial size or the channel count so that the Add sees equal shapes.
"""
from pydl import layers

from .common import functional, image_input, pool

BN_EPSILON = 1.001e-5
# (block kind, blocks per stage); stage k has 64 * 2**k filters (x4 at the output of a bottleneck)
CONFIGS = {18: ("basic", (2, 2, 2, 2)), 34: ("basic", (3, 4, 6, 3)), 50: ("bottleneck", (3, 4, 6, 3))}


def _conv_bn(x, filters, kernel, strides, name, dtype, relu=True, padding="valid"):
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, name=f"{name}_conv", dtype=dtype)(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn", dtype=dtype)(x)
    return layers.Activation("relu", name=f"{name}_relu", dtype=dtype)(x) if relu else x


def _shortcut(x, channels, stride, name, dtype):
    if stride == 1 and x.shape[-1] == channels:
        return x
    return _conv_bn(x, channels, 1, stride, f"{name}_0", dtype, relu=False)


def basic_block(x, filters, stride=1, name="block", dtype="float32"):
    """Two 3x3 convolutions (ResNet-18/34). Output channels: filters."""
    shortcut = _shortcut(x, filters, stride, name, dtype)
    x = _conv_bn(x, filters, 3, stride, f"{name}_1", dtype, padding="same")
    x = _conv_bn(x, filters, 3, 1, f"{name}_2", dtype, relu=False, padding="same")
    x = layers.Add(name=f"{name}_add", dtype=dtype)([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out", dtype=dtype)(x)


def bottleneck_block(x, filters, stride=1, name="block", dtype="float32"):
    """1x1 reduce, 3x3, 1x1 expand to 4 * filters (ResNet-50; Keras's block1 with the stride on the first 1x1)."""
    shortcut = _shortcut(x, 4 * filters, stride, name, dtype)
    x = _conv_bn(x, filters, 1, stride, f"{name}_1", dtype)
    x = _conv_bn(x, filters, 3, 1, f"{name}_2", dtype, padding="same")
    x = _conv_bn(x, 4 * filters, 1, 1, f"{name}_3", dtype, relu=False)
    x = layers.Add(name=f"{name}_add", dtype=dtype)([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out", dtype=dtype)(x)


BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def _resnet(depth, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation):
    kind, stages = CONFIGS[depth]
    block = BLOCKS[kind]
    inputs = image_input(input_tensor, input_shape, 224, include_top)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = _conv_bn(x, 64, 7, 2, "conv1", "float32")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for s, n in enumerate(stages):
        for i in range(n):
            stride = 2 if (i == 0 and s > 0) else 1
            x = block(x, 64 * 2 ** s, stride, name=f"conv{s + 2}_block{i + 1}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool(x, pooling)
    name = f"resnet{depth}"
    imagenet = (f"resnet50_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5", "resnet") \
        if depth == 50 else None
    return functional(inputs, x, name, weights, imagenet=imagenet)


def resnet18(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax"):
    """ResNet-18 (basic blocks 2-2-2-2): 11,703,912 params with the top at 224x224x3, 11,190,912 without."""
    return _resnet(18, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


def resnet34(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax"):
    """ResNet-34 (basic blocks 3-4-6-3): 21,823,208 params with the top at 224x224x3, 21,310,208 without."""
    return _resnet(34, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


def resnet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax"):
    """ResNet-50 like keras.applications.ResNet50: 25,636,712 params with the top at 224x224x3, 23,587,712
    without."""
    return _resnet(50, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
