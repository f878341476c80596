"""A single-shot, YOLO-style detector: a small conv backbone whose output is an S x S grid, one prediction per cell.

Each cell's channels are raw (pre-activation) values: [objectness logit, x, y, w, h, class logits...]. sigmoid(x),
sigmoid(y) place the box centre inside the cell; sigmoid(w)**2, sigmoid(h)**2 are its size relative to the image
(predicting the square root, as YOLO does, weighs an error on a small box more than the same error on a big one).
The activations live in the loss and the decoder, so the model itself ends with a linear 1x1 convolution.
"""
from pydl.layers import BatchNormalization, Conv2D, Input, LeakyReLU, MaxPooling2D
from pydl.models import Model

BOX_CHANNELS = 5   # objectness, x, y, w, h


def _conv_block(x, filters, name):
    x = Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    # momentum 0.9 (Keras: 0.99) so the moving statistics catch up within a short run
    x = BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
    return LeakyReLU(0.1, name=f"{name}_act")(x)


def build_detector(image_size=32, channels=3, num_classes=3, widths=(16, 32, 64), name="grid_detector"):
    """The detector model: one conv block + 2x2 max-pool per width, so the grid is image_size / 2**len(widths)."""
    stride = 2 ** len(widths)
    if image_size % stride:
        raise ValueError(f"build_detector: image_size {image_size} must be a multiple of {stride} "
                         f"(2 ** len(widths) with widths={widths})")
    inputs = Input((image_size, image_size, channels), name="image")
    x = inputs
    for i, w in enumerate(widths):
        x = _conv_block(x, w, f"block{i + 1}")
        x = MaxPooling2D(2, name=f"block{i + 1}_pool")(x)
    x = _conv_block(x, widths[-1] * 2, "head")
    outputs = Conv2D(BOX_CHANNELS + num_classes, 1, name="grid")(x)
    return Model(inputs, outputs, name=name)


def grid_size(model):
    """S for a detector built by build_detector (its output is (None, S, S, 5 + classes))."""
    return int(model.output_shape[1])
