"""Crash-isolating fuzz runner: pydl vs NumPy over the property generators, driven by a seeded random source.

    python tests/fuzz/runner.py --cases 100000 --seed 0 [--workers 2] [--timeout 10] [--families binary,gemm]

Case i of seed S is fuzzops.any_case(RandSrc(f"{S}:{i}")), the same on every run. Long-lived worker processes run
batches of cases and report one line per case; when a worker dies, the case it was running is the crash (re-run
alone in a fresh process to tell "crashes alone" from "crashes after earlier cases corrupted the heap"), and when
it is silent for --timeout seconds the case is a hang; a new worker resumes after it. Prints the counts by outcome
and one standalone reproducer per finding group; exits 1 if anything crashed, hung or was wrong.
"""
import argparse
import collections
import os
import selectors
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "property"))

import fuzzgen as G  # noqa: E402
import fuzzops as O  # noqa: E402

FAIL = ("crash", "hang", "wrong")                  # outcomes that make the exit status non-zero
CLEAN = ("ok", "raised:")


def make_case(seed, i, families, hostile=True):
    src = G.RandSrc(f"{seed}:{i}")
    if families:
        return O.FAMILIES[src.choice(families)](src, hostile)
    return O.any_case(src, hostile)


# ---- worker side ---------------------------------------------------------------------------------------------------
def worker(args):
    import pydl
    import fuzzcheck as C
    families = args.families.split(",") if args.families else None
    out = sys.stdout
    for line in sys.stdin:
        start, end = map(int, line.split())
        for i in range(start, end):
            if i == args.self_test_crash:
                os.abort()
            try:
                case = make_case(args.seed, i, families)
                outcome, detail = C.classify(case, pydl)
                key = "" if outcome.startswith(CLEAN) else (O.explain(case, outcome, detail) or "")
                op = case.op
            except BaseException as e:             # noqa: BLE001  a bug in the generators: report, go on
                outcome, detail, key, op = f"checker:{type(e).__name__}", str(e), "", "?"
            detail = "" if outcome == "ok" else detail.replace("\n", " ").replace("\t", " ")[:400]
            out.write(f"{i}\t{outcome}\t{op}\t{key}\t{detail}\n")
            out.flush()
        out.write("done\n")
        out.flush()


# ---- parent side ---------------------------------------------------------------------------------------------------
class Worker:
    def __init__(self, argv, env):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  env=env, text=True, bufsize=1)
        self.buf, self.batch, self.next, self.deadline, self.first = "", None, None, None, None

    def give(self, start, end, timeout):
        self.batch, self.next, self.deadline = (start, end), start, time.monotonic() + timeout + 5   # + startup
        self.first = start if self.first is None else self.first
        self.p.stdin.write(f"{start} {end}\n")
        self.p.stdin.flush()

    def kill(self):
        try:
            self.p.kill()
        except OSError:
            pass
        self.p.wait()


def _known(seed, i, families):
    try:
        return make_case(seed, i, families).known
    except Exception:                               # noqa: BLE001
        return None


def _signal_name(rc):
    try:
        return signal.Signals(-rc).name if rc < 0 else f"exit{rc}"
    except ValueError:
        return f"signal{-rc}"


def run_alone(base_argv, env, i, timeout):
    """Outcome of case i in a fresh process: the result line, or crash:<sig> / hang."""
    try:
        r = subprocess.run(base_argv, input=f"{i} {i + 1}\n", capture_output=True, text=True, env=env,
                           timeout=timeout + 10)
    except subprocess.TimeoutExpired:
        return "hang"
    lines = [ln for ln in r.stdout.splitlines() if ln != "done"]
    if r.returncode != 0 or not lines:
        return f"crash:{_signal_name(r.returncode)}"
    return lines[0].split("\t")[1]


def campaign(args):
    env = dict(os.environ)
    import importlib.util
    spec = importlib.util.find_spec("pydl")
    if spec and spec.origin:
        root = os.path.dirname(os.path.dirname(spec.origin))
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    argv = [sys.executable, os.path.abspath(__file__), "--worker", "--seed", str(args.seed),
            "--self-test-crash", str(args.self_test_crash)] + (["--families", args.families] if args.families else [])
    batches = collections.deque((s, min(s + args.batch, args.cases))
                                for s in range(getattr(args, "first", 0), args.cases, args.batch))
    results = {}                                   # i -> (outcome, op, key, detail)
    sel = selectors.DefaultSelector()
    workers = []
    t0 = time.monotonic()

    def spawn():
        w = Worker(argv, env)
        sel.register(w.p.stdout, selectors.EVENT_READ, w)
        workers.append(w)
        return w

    def retire(w, outcome):
        """w died or hung on case w.next: record it, resume the rest of its batch in a new worker."""
        sel.unregister(w.p.stdout)
        w.kill()
        workers.remove(w)
        i = w.next
        detail = "the worker process died" if outcome.startswith("crash") else f"no answer in {args.timeout} s"
        fams = args.families.split(",") if args.families else None
        try:
            case = make_case(args.seed, i, fams)
        except Exception:                           # noqa: BLE001
            case = O.Case("?", "", [])
        key = O.explain(case, outcome, "") or "" if case.tensors else ""
        if outcome.startswith("crash"):
            alone = run_alone(argv, env, i, args.timeout)
            detail += "; alone in a fresh process: " + alone
            if not alone.startswith(("crash", "hang")):
                # an earlier case of this worker corrupted memory: name the known memory-corrupting ones
                suspects = [j for j in range(w.first, i) if _known(args.seed, j, fams) in ("gemm-stride", "huge-view")]
                key = "after-corruption"
                detail += (f" (an earlier case of this worker, #{w.first}..#{i - 1}, corrupted memory; "
                           f"known memory-corrupting cases among them: {suspects[-5:]})")
        results[i] = (outcome, case.op, key, detail)
        if i + 1 < w.batch[1]:
            batches.appendleft((i + 1, w.batch[1]))

    for _ in range(min(args.workers, len(batches))):
        spawn().give(*batches.popleft(), args.timeout)
    while workers:
        now = time.monotonic()
        for key, _ in sel.select(timeout=max(0.0, min(w.deadline for w in workers) - now)):
            w = key.data
            data = os.read(w.p.stdout.fileno(), 1 << 16).decode()
            if not data:
                retire(w, f"crash:{_signal_name(w.p.wait())}")
                if batches:
                    spawn().give(*batches.popleft(), args.timeout)
                continue
            w.buf += data
            *lines, w.buf = w.buf.split("\n")
            for ln in lines:
                if ln == "done":
                    if batches:
                        w.give(*batches.popleft(), args.timeout)
                    else:
                        sel.unregister(w.p.stdout)
                        w.p.stdin.close()
                        w.p.wait()
                        workers.remove(w)
                    break
                i, outcome, op, key, detail = ln.split("\t", 4)
                results[int(i)] = (outcome, op, key, detail)
                w.next, w.deadline = int(i) + 1, time.monotonic() + args.timeout
        for w in [w for w in workers if time.monotonic() > w.deadline]:
            retire(w, "hang")
            if batches:
                spawn().give(*batches.popleft(), args.timeout)
        if not workers and batches:
            spawn().give(*batches.popleft(), args.timeout)
    return results, time.monotonic() - t0


def report(args, results, elapsed):
    counts = collections.Counter(r[0] for r in results.values())
    lines = [f"pydl fuzz: {len(results)} cases, seed {args.seed}, {args.workers} workers, {elapsed:.1f} s "
             f"({len(results) / max(elapsed, 1e-9):.0f} cases/s)", "", f"{'outcome':<44}{'count':>9}"]
    lines += [f"{k:<44}{v:>9}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    groups = collections.defaultdict(list)
    for i, (outcome, op, key, detail) in sorted(results.items()):
        if not outcome.startswith(CLEAN):
            groups[(outcome.split(":")[0] if outcome.startswith(("crash", "hang")) else outcome, op, key)].append(
                (i, outcome, detail))
    lines += ["", f"findings: {sum(map(len, groups.values()))} cases in {len(groups)} groups "
              "(outcome, op, issue key: known = issue #17 list, new = found here, regressed = fixed once, '' = unexplained)"]
    fams = args.families.split(",") if args.families else None
    for (outcome, op, key), items in sorted(groups.items(), key=lambda kv: (kv[0][2] in O.KNOWN, kv[0])):
        tag = (f"known:{key}" if key in O.KNOWN else f"new:{key}" if key in O.NEW else
               f"regressed:{key}" if key in O.FIXED else key if key else "UNEXPLAINED")
        # the shortest reproducer of the group is the most readable one
        best = min(items, key=lambda it: len(O_reproducer(args.seed, it[0], fams, it[1], it[2])))
        lines += ["", f"== [{outcome}] {op}  {tag}  ({len(items)} cases, e.g. #{best[0]}; "
                      f"rerun one: --seed {args.seed} --only {best[0]})",
                  O_reproducer(args.seed, best[0], fams, best[1], best[2])]
    return "\n".join(lines)


def O_reproducer(seed, i, families, outcome, detail):
    import fuzzcheck as C
    try:
        return C.reproducer(make_case(seed, i, families), outcome, detail)
    except Exception as e:                          # noqa: BLE001  a generator bug: say so instead of dying
        return f"# case {i} cannot be generated: {type(e).__name__}: {e}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds a case may run before it is a hang")
    ap.add_argument("--batch", type=int, default=500, help="cases per message to a worker")
    ap.add_argument("--families", default="", help=f"comma-separated subset of {','.join(O.FAMILIES)}")
    ap.add_argument("--only", type=int, default=None, help="run just case ONLY (with its reproducer)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--self-test-crash", type=int, default=-1, help=argparse.SUPPRESS)   # case that os.abort()s
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.only is not None:
        fams = args.families.split(",") if args.families else None
        print(O_reproducer(args.seed, args.only, fams, "", ""))
        args.first, args.cases = args.only, args.only + 1
    results, elapsed = campaign(args)
    print(report(args, results, elapsed))
    return 1 if any(r[0].startswith(FAIL) for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
