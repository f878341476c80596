"""A small U-Net (Ronneberger et al., 2015) with the functional API.

The encoder halves the resolution with max-pooling while doubling the filters; the decoder doubles it back (with a
strided Conv2DTranspose, or UpSampling2D + conv) and concatenates the encoder's features of the same resolution, so
the fine detail lost by pooling reaches the per-pixel classifier. 'same' padding keeps the output the input's size.
"""
from pydl.layers import (Activation, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Input, MaxPooling2D,
                         UpSampling2D)
from pydl.models import Model


def _double_conv(x, filters, name, batch_norm):
    for k in (1, 2):
        x = Conv2D(filters, 3, padding="same", use_bias=not batch_norm, name=f"{name}_conv{k}")(x)
        if batch_norm:
            # momentum 0.9 (Keras: 0.99) so the moving statistics catch up within a short run
            x = BatchNormalization(momentum=0.9, name=f"{name}_bn{k}")(x)
        x = Activation("relu", name=f"{name}_relu{k}")(x)
    return x


def build_unet(image_size=32, channels=3, num_classes=4, widths=(8, 16, 32), upsampling="transpose",
               batch_norm=True, name="unet"):
    """U-Net with len(widths) - 1 poolings; the output is (image_size, image_size, num_classes) softmax scores per
    pixel (a single sigmoid channel when num_classes == 1, for binary masks).

    upsampling: "transpose" (learnt 2x2 stride-2 Conv2DTranspose) or "nearest" (UpSampling2D then a 2x2 conv).
    """
    depth = len(widths) - 1
    if depth < 1 or image_size % (2 ** depth):
        raise ValueError(f"build_unet: need at least two widths and image_size divisible by {2 ** max(depth, 0)}, "
                         f"got widths={widths}, image_size={image_size}")
    if upsampling not in ("transpose", "nearest"):
        raise ValueError(f"build_unet: upsampling must be 'transpose' or 'nearest', got {upsampling!r}")
    inputs = Input((image_size, image_size, channels), name="image")
    x, skips = inputs, []
    for i, w in enumerate(widths[:-1]):
        x = _double_conv(x, w, f"down{i + 1}", batch_norm)
        skips.append(x)
        x = MaxPooling2D(2, name=f"down{i + 1}_pool")(x)
    x = _double_conv(x, widths[-1], "bottom", batch_norm)
    for i in reversed(range(depth)):
        w = widths[i]
        if upsampling == "transpose":
            x = Conv2DTranspose(w, 2, strides=2, name=f"up{i + 1}_deconv")(x)
        else:
            x = UpSampling2D(2, name=f"up{i + 1}_upsample")(x)
            x = Conv2D(w, 2, padding="same", name=f"up{i + 1}_upconv")(x)
        x = Concatenate(name=f"up{i + 1}_skip")([skips[i], x])
        x = _double_conv(x, w, f"up{i + 1}", batch_norm)
    act = "sigmoid" if num_classes == 1 else "softmax"
    outputs = Conv2D(num_classes, 1, activation=act, name="mask")(x)
    return Model(inputs, outputs, name=name)
