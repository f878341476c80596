"""The chapter 12 networks as functions returning uncompiled pydl models (images 28x28x1 in [0, 1]):

- the book's discriminator (4,311,553 params) and generator (183,713, of which 177,329 trainable);
- a DCGAN pair: strided Conv2DTranspose upsampling, LeakyReLU, no pooling (Radford et al. 2015);
- a conditional GAN pair (functional API): the class label is embedded and concatenated with the noise (generator)
  or with the image as an extra channel (discriminator), so the generator draws the digit it is asked for;
- ``adversarial`` chains a generator into a discriminator and freezes the discriminator's weights there.
"""
from pydl.layers import (Activation, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Dense, Dropout,
                         Embedding, Flatten, Input, LeakyReLU, Reshape, UpSampling2D)
from pydl.models import Model

IMAGE_SHAPE = (28, 28, 1)


def book_discriminator(depth=64, dropout=0.4):
    """The book's discriminator: four 5x5 Conv2D (64, 128, 256, 512 filters; strides 2, 2, 2, 1; relu), each followed
    by Dropout(0.4), then Flatten and Dense(1, sigmoid)."""
    image = Input(shape=IMAGE_SHAPE, name="discriminator_input")
    x = image
    for i, stride in enumerate((2, 2, 2, 1)):
        x = Conv2D(depth * 2 ** i, 5, strides=stride, padding="same", activation="relu")(x)
        x = Dropout(dropout)(x)
    x = Flatten()(x)
    prediction = Dense(1, activation="sigmoid")(x)
    return Model(image, prediction, name="discriminator")


def book_generator(latent_dim=32, depth=64, dropout=0.4, momentum=0.9):
    """The book's generator: Dense(7*7*64) + BN + relu, Reshape, Dropout(0.4), two UpSampling2D + Conv2DTranspose
    (32, 16 filters, 5x5) and a third Conv2DTranspose(8), each with BN(momentum 0.9) + relu, then a 5x5 sigmoid
    Conv2D to one channel."""
    noise = Input(shape=(latent_dim,), name="generator_input")
    x = Dense(7 * 7 * depth)(noise)
    x = BatchNormalization(momentum=momentum)(x)
    x = Activation("relu")(x)
    x = Reshape((7, 7, depth))(x)
    x = Dropout(dropout)(x)
    for i, upsample in enumerate((True, True, False)):
        if upsample:
            x = UpSampling2D()(x)
        x = Conv2DTranspose(depth // 2 ** (i + 1), 5, padding="same")(x)
        x = BatchNormalization(momentum=momentum)(x)
        x = Activation("relu")(x)
    image = Conv2D(1, 5, padding="same", activation="sigmoid")(x)
    return Model(noise, image, name="generator")


def dcgan_discriminator(dropout=0.3, alpha=0.2, output_activation="sigmoid"):
    """Two strided 4x4 Conv2D with LeakyReLU(0.2) and Dropout, then Dense(1). ``output_activation=None`` gives the
    linear critic of a WGAN."""
    image = Input(shape=IMAGE_SHAPE, name="discriminator_input")
    x = image
    for filters in (64, 128):
        x = Conv2D(filters, 4, strides=2, padding="same")(x)
        x = LeakyReLU(alpha)(x)
        x = Dropout(dropout)(x)
    x = Flatten()(x)
    prediction = Dense(1, activation=output_activation)(x)
    return Model(image, prediction, name="critic" if output_activation is None else "discriminator")


def _dcgan_body(x, alpha=0.2, momentum=0.9):
    x = Dense(7 * 7 * 128)(x)
    x = BatchNormalization(momentum=momentum)(x)
    x = LeakyReLU(alpha)(x)
    x = Reshape((7, 7, 128))(x)
    x = Conv2DTranspose(64, 4, strides=2, padding="same")(x)    # 7 -> 14
    x = BatchNormalization(momentum=momentum)(x)
    x = LeakyReLU(alpha)(x)
    return Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(x)  # 14 -> 28


def dcgan_generator(latent_dim=100):
    """Dense(7*7*128) + BN + LeakyReLU, then two strided 4x4 Conv2DTranspose (7 -> 14 -> 28), sigmoid output."""
    noise = Input(shape=(latent_dim,), name="generator_input")
    return Model(noise, _dcgan_body(noise), name="generator")


def conditional_generator(latent_dim=100, n_classes=10, embedding_dim=50):
    """Inputs [noise (latent_dim,), label (1,) int]: the label's embedding is concatenated with the noise, then the
    DCGAN generator body."""
    noise = Input(shape=(latent_dim,), name="noise")
    label = Input(shape=(1,), dtype="int32", name="label")
    e = Flatten()(Embedding(n_classes, embedding_dim)(label))
    x = Concatenate()([noise, e])
    return Model([noise, label], _dcgan_body(x), name="conditional_generator")


def conditional_discriminator(n_classes=10, embedding_dim=50, dropout=0.3, alpha=0.2):
    """Inputs [image, label]: the label's embedding becomes a 28x28 plane concatenated with the image as a second
    channel, then the DCGAN discriminator body."""
    image = Input(shape=IMAGE_SHAPE, name="image")
    label = Input(shape=(1,), dtype="int32", name="label")
    plane = Reshape(IMAGE_SHAPE)(Dense(28 * 28)(Flatten()(Embedding(n_classes, embedding_dim)(label))))
    x = Concatenate()([image, plane])
    for filters in (64, 128):
        x = Conv2D(filters, 4, strides=2, padding="same")(x)
        x = LeakyReLU(alpha)(x)
        x = Dropout(dropout)(x)
    prediction = Dense(1, activation="sigmoid")(Flatten()(x))
    return Model([image, label], prediction, name="conditional_discriminator")


def adversarial(generator, discriminator):
    """generator -> discriminator as one model, with ``discriminator.trainable = False`` set before it is built, as
    the book does: compile this model after the discriminator so that the discriminator's own compile keeps training
    its weights while this model trains only the generator's (Keras 2's compile-time semantics)."""
    discriminator.trainable = False
    inputs = [Input(shape=t.shape[1:], dtype=getattr(t, "dtype", None), name=f"adversarial_{t.name.split('/')[0]}")
              for t in generator.inputs]
    ins = inputs if len(inputs) > 1 else inputs[0]
    image = generator(ins)
    # a conditional discriminator also sees the label the generator was asked for
    prediction = discriminator([image, inputs[1]] if len(inputs) > 1 else image)
    return Model(ins, prediction, name="adversarial")


ARCHITECTURES = {
    "book_discriminator": (book_discriminator, "the book's discriminator (ch 12), 4,311,553 params"),
    "book_generator": (book_generator, "the book's generator (ch 12), 183,713 params"),
    "dcgan_discriminator": (dcgan_discriminator, "a DCGAN discriminator (strided Conv2D, LeakyReLU)"),
    "dcgan_generator": (dcgan_generator, "a DCGAN generator (strided Conv2DTranspose, LeakyReLU)"),
    "conditional_generator": (conditional_generator, "a conditional DCGAN generator (label embedding)"),
    "conditional_discriminator": (conditional_discriminator, "a conditional DCGAN discriminator"),
}


def register(registry):
    for name, (fn, help) in ARCHITECTURES.items():
        registry.add_model(name, fn, help=help)
