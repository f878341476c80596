"""Fit y = 3x - 1 (plus noise) with the plugin's MLP and report the test MSE.

pydl's CLI adds the common options (--epochs --batch-size --seed --plot --verbose --threads) to every recipe;
each may be None, meaning "this recipe's default", unless add_arguments sets one with parser.set_defaults.
"""
import numpy as np


def add_arguments(parser):
    parser.set_defaults(epochs=40, batch_size=32)  # this recipe's defaults for the common options (--help shows them)
    parser.add_argument("--samples", type=int, default=512, help="training points (default 512)")
    parser.add_argument("--noise", type=float, default=0.05, help="noise standard deviation (default 0.05)")


def run(args):
    import pydl
    from pydl.optimizers import Adam

    from ..models import mlp
    pydl.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-1, 1, (args.samples + 128, 1)).astype("float32")
    y = (3 * x - 1 + args.noise * rng.standard_normal(x.shape)).astype("float32")
    x_train, y_train, x_test, y_test = x[:args.samples], y[:args.samples], x[args.samples:], y[args.samples:]

    model = mlp()
    model.compile(optimizer=Adam(learning_rate=0.02), loss="mse")
    history = model.fit(x_train, y_train, epochs=args.epochs or 40, batch_size=args.batch_size or 32,
                        verbose=args.verbose, validation_data=(x_test, y_test))
    mse = float(model.evaluate(x_test, y_test, verbose=0))
    print(f"hello.fit_line: test MSE {mse:.4f} (noise floor {args.noise ** 2:.4f})")
    if args.plot:
        pydl.utils.plot_history(history, ["loss"], path=args.plot)  # needs matplotlib; integer epoch ticks
        print(f"plot saved to {args.plot}")
    return {"test_mse": mse, "epochs": len(history.history["loss"])}
