"""The book's LeNet-5 variant (ch 10): two 3x3 convolutions, max-pooling, dropout, a 128-unit dense layer."""
from pydl import layers
from pydl.models import Sequential

from .common import finish


def lenet5(input_shape=(28, 28, 1), classes=10, weights=None):
    """1,199,882 params on 28x28x1 with 10 classes (Keras's summary() total)."""
    model = Sequential([
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=tuple(input_shape)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(classes, activation="softmax"),
    ], name="lenet5")
    return finish(model, weights)
