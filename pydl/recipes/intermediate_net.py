"""Intermediate net (ch. 8): 2 x Dense(64, relu) -> Dense(10, softmax), cross-entropy, SGD lr 0.1.

The book's notebook with `keras` replaced by `pydl`: 55,050 parameters, batches of 128, 20 epochs (97.6 %
validation accuracy on full MNIST in the book).
"""
from pydl.layers import Dense
from pydl.models import Sequential
from pydl.optimizers import SGD

from . import common

EPOCHS, BATCH_SIZE = 20, 128  # the book's


def add_arguments(parser):
    parser.set_defaults(epochs=EPOCHS, batch_size=BATCH_SIZE)  # shown by --help
    common.add_mnist_data_argument(parser)
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1, the book's)")


def run(args):
    epochs, batch_size, verbose = common.setup(args, epochs=EPOCHS, batch_size=BATCH_SIZE)
    (X_train, y_train), (X_valid, y_valid), data = common.load_mnist(args.data)

    model = Sequential()
    model.add(Dense(64, activation='relu', input_shape=(X_train.shape[1],)))
    model.add(Dense(64, activation='relu'))
    model.add(Dense(10, activation='softmax'))
    if verbose:
        model.summary()
    model.compile(loss='categorical_crossentropy', optimizer=SGD(lr=args.lr), metrics=['accuracy'])
    history = model.fit(X_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        distributed=common.distributed(args),
                        validation_data=(X_valid, y_valid))
    return common.finish(args, history, data, "accuracy")
