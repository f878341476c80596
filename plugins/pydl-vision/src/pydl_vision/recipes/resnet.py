"""Trains ResNet-18/34/50 (residual blocks) on MNIST digits resized to 32x32x3; prints validation accuracy.

The networks are the full-width ImageNet architectures (ResNet-18: 11.2 M params with a 10-class top); on 32x32
inputs the 7x7 stride-2 stem and the four stages leave a 1x1x512 map (2048 for ResNet-50) for global average
pooling. Batch norm after every convolution and the identity / projection shortcuts let it train from scratch in a
few epochs.
"""
from ..models import resnet18, resnet34, resnet50
from .small_images import DATA_SOURCES, load_digit_images, option, setup, train_and_report

DEPTHS = {18: resnet18, 34: resnet34, 50: resnet50}
DEFAULTS = dict(epochs=5, batch_size=32)


def add_arguments(parser):
    parser.set_defaults(**DEFAULTS)
    parser.add_argument("--image-size", type=int, default=32, help="images are resized to N x N x 3")
    parser.add_argument("--limit", type=int, default=4000, help="training samples (4000 is all of the subset)")
    parser.add_argument("--depth", type=int, choices=sorted(DEPTHS), default=18, help="ResNet depth")
    parser.add_argument("--data", choices=DATA_SOURCES, default="mnist-subset", help="offline data set")


def run(args):
    setup(args)
    train, val, desc = load_digit_images(args.image_size, args.limit, args.data)
    model = DEPTHS[args.depth](input_shape=(args.image_size, args.image_size, 3), classes=10)
    return train_and_report(model, train, val, desc, args, epochs=option(args, "epochs", DEFAULTS["epochs"]),
                            batch_size=option(args, "batch_size", DEFAULTS["batch_size"]))
