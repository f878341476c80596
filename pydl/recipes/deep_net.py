"""Deep net (ch. 9): 3 x [Dense(64, relu), BatchNorm], Dropout, Dense(10, softmax), Adam, TensorBoard.

The book's notebook with `keras` replaced by `pydl`: 59,978 parameters (59,594 trainable), cross-entropy, batches
of 128, 20 epochs (97.6 % validation accuracy on full MNIST in the book), with the TensorBoard callback writing its
event files to --logdir (view them with `tensorboard --logdir logs`).
"""
from pydl.callbacks import TensorBoard
from pydl.layers import BatchNormalization, Dense, Dropout
from pydl.models import Sequential

from . import common

EPOCHS, BATCH_SIZE = 20, 128  # the book's


def add_arguments(parser):
    parser.set_defaults(epochs=EPOCHS, batch_size=BATCH_SIZE)  # shown by --help
    common.add_mnist_data_argument(parser)
    parser.add_argument("--logdir", default="logs/deep-net",
                        help="TensorBoard log folder (default logs/deep-net, the book's); 'none' to skip TensorBoard")


def _tensorboard(logdir):
    if logdir.lower() == "none":
        return []
    try:
        return [TensorBoard(log_dir=logdir)]
    except ImportError as e:  # tensorboardX is optional: the model trains the same without its logs
        print(f"TensorBoard logs skipped: {e}")
        return []


def run(args):
    epochs, batch_size, verbose = common.setup(args, epochs=EPOCHS, batch_size=BATCH_SIZE)
    (X_train, y_train), (X_valid, y_valid), data = common.load_mnist(args.data)

    model = Sequential()
    model.add(Dense(64, activation='relu', input_shape=(X_train.shape[1],)))
    model.add(BatchNormalization())
    model.add(Dense(64, activation='relu'))
    model.add(BatchNormalization())
    model.add(Dense(64, activation='relu'))
    model.add(BatchNormalization())
    model.add(Dropout(0.2))
    model.add(Dense(10, activation='softmax'))
    if verbose:
        model.summary()
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    tensorboard = _tensorboard(args.logdir)
    history = model.fit(X_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        distributed=common.distributed(args),
                        validation_data=(X_valid, y_valid), callbacks=tensorboard)
    result = common.finish(args, history, data, "accuracy")
    if tensorboard:
        print(f"TensorBoard event files in {args.logdir} (tensorboard --logdir {args.logdir})")
        result["logdir"] = args.logdir
    return result
