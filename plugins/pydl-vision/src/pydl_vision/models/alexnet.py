"""The book's AlexNet (ch 10, Oxford Flowers 17): five convolutions with max-pooling and batch normalization, then
two wide tanh dense layers with dropout."""
from pydl import layers
from pydl.models import Sequential

from .common import finish


def alexnet(input_shape=(224, 224, 3), classes=17, weights=None, dense_units=4096, width=1.0, padding="valid"):
    """21,883,153 params at 224x224x3 with 17 classes and the defaults.

    dense_units, width (a factor on every convolution's filter count) and padding are not in the book: they let
    the same network train on small images on a CPU (padding='same' keeps 64x64 inputs from shrinking to nothing;
    with 'valid' the input must be at least 195x195).
    """
    def f(n):
        return max(1, int(round(n * width)))

    model = Sequential([
        layers.Conv2D(f(96), kernel_size=(11, 11), strides=(4, 4), activation="relu", padding=padding,
                      input_shape=tuple(input_shape)),
        layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2)),
        layers.BatchNormalization(),
        layers.Conv2D(f(256), kernel_size=(5, 5), activation="relu", padding=padding),
        layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2)),
        layers.BatchNormalization(),
        layers.Conv2D(f(256), kernel_size=(3, 3), activation="relu", padding=padding),
        layers.Conv2D(f(384), kernel_size=(3, 3), activation="relu", padding=padding),
        layers.Conv2D(f(384), kernel_size=(3, 3), activation="relu", padding=padding),
        layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2)),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dense(dense_units, activation="tanh"),
        layers.Dropout(0.5),
        layers.Dense(dense_units, activation="tanh"),
        layers.Dropout(0.5),
        layers.Dense(classes, activation="softmax"),
    ], name="alexnet")
    return finish(model, weights)
