"""Shallow net (ch. 5): Dense(64, sigmoid) -> Dense(10, softmax), MSE, SGD lr 0.01, MNIST.

The book's notebook, with `keras` replaced by `pydl`: 50,890 parameters, batches of 128, 200 epochs (the book
reaches 85.6 % validation accuracy on full MNIST; on the 5,000-image subset expect less: 4,000 training images
give 31 updates per epoch instead of 469). 200 epochs stay the default because they are cheap: about a minute on
full MNIST, seconds on the subset.
"""
from pydl.layers import Dense
from pydl.models import Sequential
from pydl.optimizers import SGD

from . import common

EPOCHS, BATCH_SIZE = 200, 128  # the book's


def add_arguments(parser):
    parser.set_defaults(epochs=EPOCHS, batch_size=BATCH_SIZE)  # shown by --help
    common.add_mnist_data_argument(parser)
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default 0.01, the book's)")


def run(args):
    epochs, batch_size, verbose = common.setup(args, epochs=EPOCHS, batch_size=BATCH_SIZE)
    (X_train, y_train), (X_valid, y_valid), data = common.load_mnist(args.data)

    model = Sequential()
    model.add(Dense(64, activation='sigmoid', input_shape=(X_train.shape[1],)))
    model.add(Dense(10, activation='softmax'))
    if verbose:
        model.summary()
    model.compile(loss='mean_squared_error', optimizer=SGD(lr=args.lr), metrics=['accuracy'])
    history = model.fit(X_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        distributed=common.distributed(args),
                        validation_data=(X_valid, y_valid))
    return common.finish(args, history, data, "accuracy")
