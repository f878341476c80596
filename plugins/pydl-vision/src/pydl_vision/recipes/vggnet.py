"""Trains the book's VGGNet (narrowed) or VGG16/19 on MNIST digits resized to 32x32x3; prints val accuracy.

The book's VGGNet (33,672,785 params at 224x224x3) stacks 3x3 ReLU convolutions in five blocks (2x64, 2x128,
3x256, 3x512, 3x512), each followed by 2x2 max-pooling and batch norm, then two dense layers with dropout. Here the
convolutions are padded ('same') so 32x32 images reach the end at 1x1, the filter counts are scaled by
--width-scale and the dense layers have --dense-units. `--arch vgg16` / `vgg19` trains keras.applications'
architecture instead (full width, 4096-wide top), which is slow on a CPU.
"""
from ..models import vgg16, vgg19, vggnet
from .small_images import DATA_SOURCES, load_digit_images, option, setup, train_and_report

DEFAULTS = dict(epochs=5, batch_size=32)


def add_arguments(parser):
    parser.set_defaults(**DEFAULTS)
    parser.add_argument("--image-size", type=int, default=32, help="images are resized to N x N x 3")
    parser.add_argument("--limit", type=int, default=4000, help="training samples (4000 is all of the subset)")
    parser.add_argument("--arch", choices=("vggnet", "vgg16", "vgg19"), default="vggnet",
                        help="the book's VGGNet or keras.applications' VGG16/VGG19")
    parser.add_argument("--width-scale", type=float, default=0.25, help="vggnet: factor on the filter counts")
    parser.add_argument("--dense-units", type=int, default=256, help="vggnet: dense layer width (book: 4096)")
    parser.add_argument("--padding", choices=("same", "valid"), default="same",
                        help="vggnet: convolution padding (book: valid, which needs images of ~200 pixels)")
    parser.add_argument("--data", choices=DATA_SOURCES, default="mnist-subset", help="offline data set")


def run(args):
    setup(args)
    train, val, desc = load_digit_images(args.image_size, args.limit, args.data)
    shape = (args.image_size, args.image_size, 3)
    if args.arch == "vggnet":
        model = vggnet(input_shape=shape, classes=10, dense_units=args.dense_units, width=args.width_scale,
                       padding=args.padding)
        lr = 1e-3
    else:
        model = (vgg16 if args.arch == "vgg16" else vgg19)(input_shape=shape, classes=10)
        lr = 1e-4   # no batch norm in keras.applications' VGG: a smaller step keeps it from diverging
    return train_and_report(model, train, val, desc, args, epochs=option(args, "epochs", DEFAULTS["epochs"]),
                            batch_size=option(args, "batch_size", DEFAULTS["batch_size"]), learning_rate=lr)
