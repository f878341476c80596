"""Validation accuracy of the book's chapter 11 sentiment classifiers trained by pydl and by the same nets in PyTorch.

    python benchmarks/compare_text_models.py [--seeds 3] [--epochs 4] [--reviews 6000] [--json out.json]

NOT IMDB: this machine has no network and no IMDB file, so both sides train on pydl-nlp's GENERATED sentiment corpus
(synthetic reviews from word lists, with words of the other side mixed in and negations; half training, half
validation), encoded as Keras's imdb.load_data encodes IMDB (pydl_nlp.data.load("generated")). The nets are the
notebooks' (pydl_nlp.models: dense, conv, lstm; the book's vocabulary sizes, review lengths, dropout), trained with
the book's hyperparameters (Adam 0.001, binary cross-entropy, batch 128). Per seed, PyTorch starts from pydl's initial
weights; each side shuffles every epoch with its own generator seeded alike and draws its own dropout masks. The
table gives the validation accuracy after the last epoch and the best epoch's (the notebooks reload the best
checkpoint), mean and spread over the seeds.
"""
import argparse
import json
import statistics
import time

import numpy as np
from pydl_nlp import data as nlp_data
from pydl_nlp import models as nlp_models

import pydl
from pydl.bench.suites import text_models

# name: (pydl_nlp.models builder, vocabulary, review length)
MODELS = {"dense": (nlp_models.dense, 5000, 100), "conv": (nlp_models.conv, 5000, 400),
          "lstm": (nlp_models.lstm, 10000, 100)}
BATCH, LR = 128, 0.001


def torch_dense(torch, vocab, length):
    nn = torch.nn
    return nn.Sequential(nn.Embedding(vocab, 64), nn.Flatten(), nn.Linear(64 * length, 64), nn.ReLU(),
                         nn.Dropout(0.5), nn.Linear(64, 1), nn.Flatten(0))


def _copy_weights(torch, net, weights):
    with torch.no_grad():
        for t, w in zip(net.state_dict().values(), weights):
            t.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))


def run_pydl(name, data, epochs, seed):
    build, vocab, length = MODELS[name]
    pydl.manual_seed(seed)
    np.random.seed(seed)
    model = build(n_unique_words=vocab, max_review_length=length)
    model.compile(loss="binary_crossentropy", optimizer=pydl.optimizers.Adam(learning_rate=LR), metrics=["accuracy"])
    start = model.get_weights()
    (x, y), (xv, yv) = data
    hist = model.fit(x, y, batch_size=BATCH, epochs=epochs, validation_data=(xv, yv), verbose=0)
    return hist.history["val_accuracy"], start


def run_torch(torch, name, data, epochs, seed, weights):
    F = torch.nn.functional
    _, vocab, length = MODELS[name]
    torch.manual_seed(seed)
    if name == "dense":
        net = torch_dense(torch, vocab, length)
        _copy_weights(torch, net, [weights[0], weights[1].T, weights[2], weights[3].T, weights[4]])
    else:  # text_models' twins are the book's conv and LSTM nets
        net = text_models._torch_net(torch, name)(vocab)
        _copy_weights(torch, net, text_models._torch_weights(name, weights))
    optimizer = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-7)
    (x, y), (xv, yv) = data
    xt, yt = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y.astype(np.float32))
    xvt = torch.from_numpy(xv.astype(np.int64))
    gen, accs = torch.Generator().manual_seed(seed), []
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(xt), generator=gen)
        for s in range(0, len(xt), BATCH):
            idx = order[s:s + BATCH]
            loss = F.binary_cross_entropy_with_logits(net(xt[idx]), yt[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        net.eval()
        with torch.no_grad():
            pred = torch.cat([net(xvt[s:s + 1024]) for s in range(0, len(xvt), 1024)]).numpy() > 0
        accs.append(float(np.mean(pred == (yv > 0.5))))
    return accs


def _summary(runs):
    last, best = [r[-1] for r in runs], [max(r) for r in runs]
    sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
    return {"last": statistics.mean(last), "last_sd": sd(last), "best": statistics.mean(best), "best_sd": sd(best),
            "runs": runs}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="training runs per model and library (default 3)")
    p.add_argument("--epochs", type=int, default=4, help="epochs (default 4, the book's)")
    p.add_argument("--reviews", type=int, default=6000, help="generated reviews, half for validation (default 6000)")
    p.add_argument("--threads", type=int, default=2, help="threads for both libraries (default 2)")
    p.add_argument("--models", default=",".join(MODELS), help="comma list (default: dense,conv,lstm)")
    p.add_argument("--json", metavar="OUT.json", help="also write the results as JSON")
    a = p.parse_args(argv)
    import torch
    pydl.set_num_threads(a.threads)
    torch.set_num_threads(a.threads)
    print(f"{a.seeds} seeds per model and library, {a.epochs} epochs; pydl {pydl.__version__}, torch "
          f"{torch.__version__}, {a.threads} thread(s)")
    print(f"{'model':<6} {'pydl last':>15} {'torch last':>15} {'pydl best':>15} {'torch best':>15}  time pydl/torch")
    results, what = {}, None
    for name in a.models.split(","):
        _, vocab, length = MODELS[name]
        xt, xv, _, what = nlp_data.load("generated", n_unique_words=vocab, max_review_length=length,
                                        generated_size=a.reviews, seed=0, verbose=False)
        data = ((xt[0], xt[1]), (xv[0], xv[1]))
        ours, theirs, secs = [], [], [0.0, 0.0]
        for seed in range(a.seeds):
            t0 = time.perf_counter()
            accs, start = run_pydl(name, data, a.epochs, seed)
            t1 = time.perf_counter()
            theirs.append(run_torch(torch, name, data, a.epochs, seed, start))
            ours.append(accs)
            secs[0] += t1 - t0
            secs[1] += time.perf_counter() - t1
        r = results[name] = {"pydl": _summary(ours), "torch": _summary(theirs), "seconds": secs}
        cell = lambda s, k: f"{100 * s[k]:6.2f} ± {100 * s[k + '_sd']:4.2f} %"
        print(f"{name:<6} {cell(r['pydl'], 'last')} {cell(r['torch'], 'last')} {cell(r['pydl'], 'best')} "
              f"{cell(r['torch'], 'best')}  {secs[0]:6.1f} s / {secs[1]:.1f} s", flush=True)
    print(f"data: {what}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"data": what, "seeds": a.seeds, "epochs": a.epochs, "threads": a.threads,
                       "results": results}, f, indent=1)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
