"""Word-vector benchmarks in gensim's formats: word-pair similarity (wordsim353-style TSV, scored by Pearson and
Spearman correlation) and analogies (questions-words.txt, 3CosAdd). scipy computes the correlations and p-values
when installed; otherwise they are computed here (p-values then NaN)."""
import math

import numpy as np


def _ranks(x):
    """Average ranks (ties share the mean of their positions), 1-based."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), np.float64)
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / den if den > 0 else float("nan")


def correlations(gold, model):
    """((pearson r, p), (spearman rho, p)) of two equal-length sequences."""
    gold, model = np.asarray(gold, np.float64), np.asarray(model, np.float64)
    try:
        from scipy import stats
    except ImportError:
        nan = float("nan")
        return (_pearson(gold, model), nan), (_pearson(_ranks(gold), _ranks(model)), nan)
    p, s = stats.pearsonr(gold, model), stats.spearmanr(gold, model)
    return (float(p[0]), float(p[1])), (float(s[0]), float(s[1]))


def _vocab_map(kv, restrict_vocab, case_insensitive):
    """{word (upper-cased when case-insensitive): index} over the `restrict_vocab` most frequent words; the most
    frequent spelling wins when several fold to the same key."""
    ok = {}
    for i, w in enumerate(kv.index_to_key[:restrict_vocab]):
        ok.setdefault(w.upper() if case_insensitive else w, i)
    return ok


def word_pairs(kv, path, delimiter="\t", restrict_vocab=300000, case_insensitive=True, dummy4unknown=False):
    ok = _vocab_map(kv, restrict_vocab, case_insensitive)
    normed = kv.get_normed_vectors()
    gold, model, oov = [], [], 0
    with open(path, encoding="utf8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split(delimiter)
            if len(parts) != 3:
                raise ValueError(f"'{path}' line {n}: expected 'word1{delimiter!r}word2{delimiter!r}score', got "
                                 f"{line.strip()[:80]!r}")
            a, b = (p.upper() if case_insensitive else p for p in parts[:2])
            try:
                score = float(parts[2])
            except ValueError:
                raise ValueError(f"'{path}' line {n}: the score {parts[2]!r} is not a number") from None
            if a not in ok or b not in ok:
                oov += 1
                if dummy4unknown:
                    gold.append(score)
                    model.append(0.0)
                continue
            gold.append(score)
            model.append(float(normed[ok[a]] @ normed[ok[b]]))
    if len(gold) < 2:
        raise ValueError(f"'{path}': fewer than two pairs have both words in the vocabulary")
    pearson, spearman = correlations(gold, model)
    return pearson, spearman, 100.0 * oov / (len(gold) + (0 if dummy4unknown else oov))


def _read_analogies(path, case_insensitive):
    sections, current = [], None
    with open(path, encoding="utf8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith(": "):
                current = {"section": line[2:].strip(), "questions": []}
                sections.append(current)
                continue
            if not line.strip():
                continue
            if current is None:
                raise ValueError(f"'{path}' line {n}: a question before the first ': section' line")
            words = line.split()
            if len(words) != 4:
                raise ValueError(f"'{path}' line {n}: expected four words, got {line.strip()[:80]!r}")
            current["questions"].append(tuple(w.upper() if case_insensitive else w for w in words))
    return sections


def analogies(kv, path, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False, batch=1024):
    """(accuracy, sections) as gensim: a question a:b :: c:d is right when d is the first of the five words nearest
    to unit(b) - unit(a) + unit(c) (a, b, c excluded) that is not a, b or c; questions with a word outside the
    `restrict_vocab` most frequent are skipped (or counted wrong with dummy4unknown)."""
    ok = _vocab_map(kv, restrict_vocab, case_insensitive)
    normed = kv.get_normed_vectors()[:restrict_vocab]
    keys = kv.index_to_key[:restrict_vocab]
    out, total_ok, total_bad = [], [], []
    for sec in _read_analogies(path, case_insensitive):
        good, bad, known = [], [], []
        for q in sec["questions"]:
            if all(w in ok for w in q):
                known.append(q)
            elif dummy4unknown:
                bad.append(q)
        for lo in range(0, len(known), batch):
            qs = known[lo:lo + batch]
            idx = np.array([[ok[w] for w in q[:3]] for q in qs], np.int64)
            target = normed[idx[:, 1]] - normed[idx[:, 0]] + normed[idx[:, 2]]
            target /= np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-12)
            sims = target @ normed.T
            np.put_along_axis(sims, idx, -np.inf, axis=1)
            k = min(5, sims.shape[1])
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else np.tile(
                np.arange(sims.shape[1]), (len(qs), 1))
            for q, cand, row in zip(qs, top, sims):
                predicted = None
                for c in cand[np.argsort(-row[cand], kind="stable")]:
                    w = keys[c].upper() if case_insensitive else keys[c]
                    if w not in q[:3]:
                        predicted = w
                        break
                (good if predicted == q[3] else bad).append(q)
        out.append({"section": sec["section"], "correct": good, "incorrect": bad})
        total_ok += good
        total_bad += bad
    out.append({"section": "Total accuracy", "correct": total_ok, "incorrect": total_bad})
    n = len(total_ok) + len(total_bad)
    return (len(total_ok) / n if n else 0.0), out
