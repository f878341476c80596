"""Output of a benchmark run: the printed table, the JSON file and the PNG chart."""
import json
import os
import tempfile

LIBS = ("pydl", "numpy", "torch")
NAMES = {"pydl": "pydl", "numpy": "NumPy", "torch": "torch"}
CLIP = 30  # speed-up bars longer than this are drawn to this length, labelled with their value
_ROW = "{:<11} {:<22} {:>3}  {:>9} {:>9} {:>9}  {:>7} {:>7} {:>7}  {:>7} {:>7}"


def _time(s):
    if s is None:
        return "-"
    return f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def _num(v, fmt):
    return "-" if v is None else format(v, fmt)


def header(suite, unit, repeats):
    return [f"\n{suite}: median of {repeats} timed batches per entry; speed-up = other time / pydl time (>1: pydl "
            "faster)", _ROW.format("", "", "", "time per call", "", "", unit, "", "", "speed-up", "").rstrip(),
            _ROW.format("op", "shape", "thr", *(NAMES[k] for k in LIBS * 2), "×NumPy", "×torch")]


def row(r):
    t, rate = r["time_s"], r["rate"]
    line = _ROW.format(r["op"], r["shape"], r["threads"], *(_time(t.get(k)) for k in LIBS),
                       *(_num(rate.get(k), ".1f") for k in LIBS),
                       _num(r["x_numpy"], ".2f") + ("×" if r["x_numpy"] else ""),
                       _num(r["x_torch"], ".2f") + ("×" if r["x_torch"] else ""))
    if r.get("x_keras"):  # only the models suite times Keras, and only where it is importable: no column of dashes
        line += f"   keras {_time(t['keras'])} {rate['keras']:.1f} {r['x_keras']:.2f}×"
    ref = "NumPy" if "numpy" in t else "torch"
    bad = [f"{lib} differs from {ref} (max error {err:.1e} of the largest value)"
           for lib, err in r["check"].items() if err is None or err > r["tol"]]
    return "\n".join([line] + [f"    ! {b}" for b in bad])


def copy_summary(results):
    """Per thread count: the best plain-copy bandwidth measured, and pydl's relu as a percentage of it."""
    out = {}
    for c in (r for r in results if r["op"] == "copy"):
        relu = next((r for r in results if r["op"] == "relu" and r["threads"] == c["threads"]), None)
        lib = max(("numpy", "torch"), key=lambda k: c["rate"].get(k) or 0)  # pydl's clone allocates: not a reference
        best = c["rate"][lib]
        out[c["threads"]] = {"copy_GBps": best, "copy_by": lib,
                             "relu_pct_of_copy": 100 * relu["rate"]["pydl"] / best if relu else None}
    return out


def summary_lines(summary):
    return [f"threads {n}: copy bandwidth {s['copy_GBps']:.1f} GB/s ({s['copy_by']}); pydl relu at "
            f"{s['relu_pct_of_copy']:.0f} % of it (target >= 80 %)" for n, s in summary.items()
            if s["relu_pct_of_copy"] is not None]


def write_json(path, meta, results, summary):
    """Written to a temporary file then renamed, so a crash never leaves half a file."""
    d = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=d, suffix=".tmp", delete=False) as f:
        json.dump({"metadata": meta, "results": results, "copy_reference": summary}, f, indent=1, default=str)
    os.replace(f.name, path)


def write_plot(path, results, meta):
    """Bars of pydl's speed-up per entry (one panel per rival library), and GFLOP/s vs n for each size sweep."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    rivals = [k for k in ("numpy", "torch") if any(r[f"x_{k}"] for r in results)]
    threads = sorted({r["threads"] for r in results})
    labels = list(dict.fromkeys(f"{r['op']}  {r['shape']}" for r in results if r["op"] != "copy"))
    series = sorted({r["series"] for r in results if r["series"]})
    fig = Figure(figsize=(7 * len(rivals), 2.5 + 0.28 * len(labels) * len(threads) ** 0.5 + 4.5 * bool(series)))
    grid = fig.add_gridspec(2 if series else 1, len(rivals), height_ratios=[2.2, 1] if series else None)
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    height = 0.8 / len(threads)
    for col, rival in enumerate(rivals):
        ax = fig.add_subplot(grid[0, col])
        for j, n in enumerate(threads):
            ratio = {f"{r['op']}  {r['shape']}": r[f"x_{rival}"] for r in results if r["threads"] == n}
            ys = [i + (j - (len(threads) - 1) / 2) * height for i in range(len(labels))]
            vals = [ratio.get(lab) or 0 for lab in labels]
            # clipped so that one wild outlier (e.g. a rival's thread pool stalled) does not squash every other bar
            ax.barh(ys, [min(v, CLIP) for v in vals], height=height, color=colors[j % 4],
                    label=f"{n} thread{'s' * (n > 1)}")
            for y, v in zip(ys, vals):
                if v:
                    ax.text(min(v, CLIP), y, f" {v:.2f}", va="center", fontsize=7)
        ax.axvline(1, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(right=CLIP * 3)
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels if col == 0 else [], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"{NAMES[rival]} time / pydl time  (> 1: pydl faster, log scale)")
        ax.set_title(f"pydl vs {NAMES[rival]}")
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    if series:
        ax = fig.add_subplot(grid[1, :])
        styles, sizes = ["-", "--", ":", "-."], sorted({r["size"] for r in results if r["series"]})
        for s in series:
            for i, lib in enumerate(LIBS):
                for j, n in enumerate(threads):
                    pts = sorted((r["size"], r["rate"][lib]) for r in results
                                 if r["series"] == s and r["threads"] == n and r["rate"].get(lib))
                    if pts:
                        ax.plot(*zip(*pts), styles[j % 4], marker="o", color=colors[i],
                                label=f"{s} {NAMES[lib]}, {n} thr")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.set_xlabel("n  (n×n @ n×n)")
        ax.set_ylabel("GFLOP/s")
        ax.set_title("GFLOP/s vs size")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncol=len(threads))
    fig.suptitle(f"pydl {meta['versions']['pydl']} ({meta['simd']}) on {meta['cpu']['model']}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.98))  # leave room for the suptitle
    fig.savefig(path, dpi=100)
