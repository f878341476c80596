"""Regression (ch. 9): Boston house prices, Dense(32)/BN/Dense(16)/BN/Dropout/Dense(1), ModelCheckpoint.

The book's notebook with `keras` replaced by `pydl`: 1,185 parameters (1,089 trainable), mean squared error,
Adam, batches of 8, 32 epochs, a ModelCheckpoint saving the weights after every epoch (the book's validation MSE
lands around 28-56, depending on the run). Afterwards the weights of the epoch with the lowest validation loss are
loaded back from their checkpoint, as the book does with its chosen epoch, and used to price one house.
"""
import os

import numpy as np

from pydl.callbacks import ModelCheckpoint
from pydl.layers import BatchNormalization, Dense, Dropout
from pydl.models import Sequential

from . import common

EPOCHS, BATCH_SIZE = 32, 8  # the book's


def add_arguments(parser):
    parser.set_defaults(epochs=EPOCHS, batch_size=BATCH_SIZE)  # shown by --help
    parser.add_argument("--data", choices=common.BOSTON_DATA, default="auto",
                        help="boston: Keras's boston_housing.npz (cached or downloaded); boston-offline: mlxtend's "
                             "copy; auto (default): the first available")
    parser.add_argument("--output-dir", default="model_output/regression_baseline",
                        help="checkpoint folder (default model_output/regression_baseline, the book's)")


def run(args):
    epochs, batch_size, verbose = common.setup(args, epochs=EPOCHS, batch_size=BATCH_SIZE)
    (X_train, y_train), (X_valid, y_valid), data = common.load_boston(args.data)

    model = Sequential()
    model.add(Dense(32, input_dim=13, activation='relu'))
    model.add(BatchNormalization())
    model.add(Dense(16, activation='relu'))
    model.add(BatchNormalization())
    model.add(Dropout(0.2))
    model.add(Dense(1, activation='linear'))
    if verbose:
        model.summary()
    model.compile(loss='mean_squared_error', optimizer='adam')
    output_path = args.output_dir
    os.makedirs(output_path, exist_ok=True)
    modelcheckpoint = ModelCheckpoint(os.path.join(output_path, "weights.{epoch:02d}.pydl"), save_weights_only=True)
    history = model.fit(X_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        distributed=common.distributed(args),
                        validation_data=(X_valid, y_valid), callbacks=[modelcheckpoint])
    result = common.finish(args, history, data, "loss")

    best = int(np.argmin(history.history["val_loss"])) + 1
    best_path = os.path.join(output_path, f"weights.{best:02d}.pydl")
    if common.distributed(args):  # only rank 0 wrote checkpoints: it loads the best, every rank gets its weights
        from ..distributed import barrier, broadcast_variables, is_primary
        barrier()
        if is_primary():
            model.load_weights(best_path)
        broadcast_variables(model.weights)
    else:
        model.load_weights(best_path)
    i = 42 % len(X_valid)  # the book prices house 42 of the validation set
    price = float(model.predict(np.reshape(X_valid[i], [1, 13]))[0, 0])
    print(f"best epoch {best} (val_loss {history.history['val_loss'][best - 1]:.2f}), weights from {best_path}; "
          f"validation house {i}: predicted {price:.1f}, actual {float(y_valid[i]):.1f} ($1000s)")
    result.update(best_epoch=best, best_val_loss=float(history.history["val_loss"][best - 1]),
                  checkpoint=best_path, baseline_val_loss=float(np.mean((y_valid - y_train.mean()) ** 2)))
    return result
