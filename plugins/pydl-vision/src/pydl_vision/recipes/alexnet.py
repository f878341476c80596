"""Trains the book's AlexNet (narrowed) on MNIST digits resized to 64x64x3; prints validation accuracy.

The book trains AlexNet on Oxford Flowers 17 at 224x224x3 (21,883,153 params). Offline and on a CPU this recipe
keeps the layer sequence (11x11 stride-4 convolution, 3/2 max-pooling, batch norm, 5x5 and three 3x3
convolutions, two tanh dense layers with dropout) but uses 'same' padding so 64x64 images fit, a --width-scale on
the filter counts and --dense-units for the two dense layers. `--width-scale 1 --dense-units 4096 --padding valid
--image-size 224` is the book's network.
"""
from ..models import alexnet
from .small_images import DATA_SOURCES, load_digit_images, option, setup, train_and_report

DEFAULTS = dict(epochs=8, batch_size=64)


def add_arguments(parser):
    parser.set_defaults(**DEFAULTS)
    parser.add_argument("--image-size", type=int, default=64, help="images are resized to N x N x 3")
    parser.add_argument("--limit", type=int, default=4000, help="training samples (4000 is all of the subset)")
    parser.add_argument("--width-scale", type=float, default=0.25, help="factor on the filter counts")
    parser.add_argument("--dense-units", type=int, default=256, help="width of the two dense layers (book: 4096)")
    parser.add_argument("--padding", choices=("same", "valid"), default="same",
                        help="convolution padding (book: valid, which needs images of 195 pixels or more)")
    parser.add_argument("--data", choices=DATA_SOURCES, default="mnist-subset", help="offline data set")


def run(args):
    setup(args)
    train, val, desc = load_digit_images(args.image_size, args.limit, args.data)
    model = alexnet(input_shape=(args.image_size, args.image_size, 3), classes=10, dense_units=args.dense_units,
                    width=args.width_scale, padding=args.padding)
    return train_and_report(model, train, val, desc, args, epochs=option(args, "epochs", DEFAULTS["epochs"]),
                            batch_size=option(args, "batch_size", DEFAULTS["batch_size"]))
