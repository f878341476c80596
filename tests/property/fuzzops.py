"""The op list: one generator per op family, each returning a Case (inputs + one line of code run twice, with
M=pydl on pydl tensors x0.. and with M=fuzzref.R on NumPy arrays).

hostile=True also draws the inputs of the bugs already listed in issue #17 (the case's `known` says which), so the
properties run hostile=False and each known bug gets its own xfail property; the fuzz runner draws everything.
"""
from dataclasses import dataclass, field

import numpy as np

import fuzzgen as G

# issue #17 bugs the generators can hit (keys of Case.known)
KNOWN = {}  # all of issue #17's named bugs are fixed: their keys are in FIXED below


@dataclass
class Case:
    op: str
    code: str                          # statement(s) setting `out`; {M} module, {x0}.. tensors, {name} params
    tensors: list
    params: dict = field(default_factory=dict)
    math: bool = True                  # reference computes float32 inputs in float64
    mag: float = 1.0                   # scale of float atol (sums of many terms)
    write: bool = False                # writes into x0: also compare the memory under it
    known: str = None                  # key of KNOWN this case hits, if any
    may_refuse: str = None             # regex: a ValueError matching it is an accepted refusal

    def render(self, module, names, params=None):
        def src(v):                                   # (-2) ** x, not -(2 ** x)
            return f"({G.lit(v)})" if isinstance(v, (int, float)) and v < 0 else G.lit(v)
        return self.code.format(M=module, **{f"x{i}": n for i, n in enumerate(names)},
                                **{k: src(v) for k, v in (self.params if params is None else params).items()})


def _absmax(t):
    b = t.base.astype(np.float64) if t.base.size else np.zeros(1)
    b = b[np.isfinite(b)]
    return float(np.max(np.abs(b))) if b.size else 1.0


def _int_dtype(t):
    return t.dtype in G.INTS


# ---- elementwise ------------------------------------------------------------------------------------------------
BINOPS = ("+", "-", "*", "/", "**", "==", "!=", "<", "<=", ">", ">=")
UNARY = ("-{x0}", "abs({x0})", "{M}.exp({x0})", "{M}.log({x0})", "{M}.sqrt({x0})", "{M}.square({x0})",
         "{M}.reciprocal({x0})", "{M}.sigmoid({x0})", "{M}.tanh({x0})", "{M}.relu({x0})", "{M}.softplus({x0})",
         "{M}.leaky_relu({x0}, {alpha})", "{M}.elu({x0}, {alpha})", "{M}.clip({x0}, {lo}, {hi})",
         "{M}.abs({x0})", "{M}.negative({x0})")


def _scalar_known(case, t, s):
    dt = "int64" if t.dtype == "bool" else t.dtype      # NumPy: a bool array takes a Python int as int64
    if isinstance(s, int) and not isinstance(s, bool) and dt in G.INTS and not G.int_fits(s, dt):
        case.known = "nep50"
    elif case.write and isinstance(s, float) and _int_dtype(t) and not (abs(s) < 2**31 and s >= 0 - (t.dtype != "uint8")):
        case.known = "nep50"                          # a float that no int of the dtype holds (nan, inf, 1e300, -1.5)
    return case


def binary(src, hostile=True):
    op = src.choice(BINOPS + ("max", "min"))
    x0 = G.tensor(src)
    form = src.int(0, 2)
    code = {"max": "out = {M}.maximum(%s, %s)", "min": "out = {M}.minimum(%s, %s)"}.get(op, "out = %%s %s %%s" % op)
    if form == 0:
        x1 = G.tensor(src, shp=G.broadcastable(src, x0.shape))
        if src.coin():
            x0, x1 = x1, x0
        return Case(op, code % ("{x0}", "{x1}"), [x0, x1])
    s = G.py_scalar(src, x0.dtype, hostile)
    c = Case(op, code % (("{x0}", "{s}") if form == 1 else ("{s}", "{x0}")), [x0], {"s": s})
    return _scalar_known(c, x0, s)


def inplace(src, hostile=True):
    op = src.choice(("+=", "-=", "*=", "/="))
    x0 = G.tensor(src)
    if src.coin():
        x1 = G.tensor(src, shp=G.broadcastable(src, x0.shape))
        c = Case(op, "{x0} %s {x1}\nout = {x0}" % op, [x0, x1], write=True)
    else:
        s = G.py_scalar(src, x0.dtype, hostile)
        c = _scalar_known(Case(op, "{x0} %s {s}\nout = {x0}" % op, [x0], {"s": s}, write=True), x0, s)
    if any(k == "bcast" for k, _ in x0.steps):
        c.known = c.known or "bcast-write"
    return c


def where(src, hostile=True):
    x0 = G.tensor(src, "bool")
    x1 = G.tensor(src, shp=G.broadcastable(src, x0.shape))
    x2 = G.tensor(src, x1.dtype if src.coin() else None, shp=G.broadcastable(src, x0.shape))
    return Case("where", "out = {M}.where({x0}, {x1}, {x2})", [x0, x1, x2])


def unary(src, hostile=True):
    code = src.choice(UNARY)
    params = {"alpha": src.choice((0.2, 0.05, 1.0, 2.5)), "lo": src.choice((None, -1.5, 0, -3)),
              "hi": src.choice((None, 2, 0.5, 3.0))}
    if params["lo"] is None and params["hi"] is None:
        params["hi"] = 1
    name = code.split("(")[0].replace("{M}.", "") or "neg"
    return Case(name, "out = " + code, [G.tensor(src)], params)


# ---- reductions -------------------------------------------------------------------------------------------------
REDUCE = ("sum", "mean", "max", "min", "argmax", "argmin", "var", "std")


def reduction(src, hostile=True):
    op = src.choice(REDUCE)
    x0 = G.tensor(src, extremes=op not in ("mean", "var", "std"))    # pydl computes int statistics in float32
    nd = len(x0.shape)
    arg = op in ("argmax", "argmin")
    ax = G.axis(src, nd, tuples=not arg or hostile, allow_empty=hostile)
    params = {"axis": ax, "kd": src.coin()}
    extra = ""
    if op in ("var", "std") and src.coin(0.3):
        params["ddof"] = src.int(0, 2)
        extra = ", ddof={ddof}"
    c = Case(op, "out = {M}.%s({x0}, axis={axis}, keepdims={kd}%s)" % (op, extra), [x0], params,
             mag=max(1, int(np.prod(x0.shape))) * _absmax(x0) ** (2 if op in ("var", "std") else 1))
    if ax == ():
        c.known = "axis=()"
    elif arg and isinstance(ax, tuple):
        c.known = "axis-cast"
    return c


def softmax(src, hostile=True):
    x0 = G.tensor(src, dtypes=G.FLOATS)
    op = src.choice(("softmax", "log_softmax"))
    nd = len(x0.shape)
    return Case(op, "out = {M}.%s({x0}, axis={axis})" % op, [x0],
                {"axis": src.int(-nd - 1, nd) if nd else src.choice((0, -1))})


# ---- indexing -----------------------------------------------------------------------------------------------------
def _key_known(key):
    items = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, (float, str)) or (isinstance(k, np.ndarray) and k.dtype.kind == "f") for k in items):
        return "bad-key"
    adv = [k for k in items if isinstance(k, (list, np.ndarray))]
    if any(isinstance(k, (bool, np.bool_)) for k in items):
        return "adv-index"
    if adv and any(k is None or (isinstance(k, int) and not isinstance(k, bool)) for k in items):
        return "adv-index"                            # ints next to arrays are advanced indices too (NumPy)
    return None


def getitem(src, hostile=True):
    x0 = G.tensor(src)
    key = G.index_key(src, x0.shape, hostile=hostile)
    c = Case("getitem", "out = {x0}[{key}]", [x0], {"key": key}, math=False)
    c.known = _key_known(key)
    return c


def setitem(src, hostile=True):
    x0 = G.tensor(src)
    key = G.index_key(src, x0.shape, hostile=hostile)
    try:
        target = np.empty(x0.shape)[key].shape
    except Exception:
        target = G.shape(src)
    if src.coin():
        s = G.py_scalar(src, x0.dtype, hostile)
        c = _scalar_known(Case("setitem", "{x0}[{key}] = {s}\nout = {x0}", [x0], {"key": key, "s": s},
                               math=False, write=True), x0, s)
        c.known = c.known and "setitem-scalar"         # fixed for __setitem__, still open in arithmetic
    else:
        x1 = G.tensor(src, x0.dtype if src.coin(0.7) else None, shp=G.broadcastable(src, target))
        c = Case("setitem", "{x0}[{key}] = {x1}\nout = {x0}", [x0, x1], {"key": key}, math=False, write=True)
    c.known = c.known or _key_known(key) or ("bcast-write" if any(k == "bcast" for k, _ in x0.steps) else None)
    return c


# ---- linear algebra, conv, pool -----------------------------------------------------------------------------------
def matmul(src, hostile=True):
    m, k, n = (src.choice((0, 1, 2, 3, 5)) for _ in range(3))
    batch = G.shape(src, max_ndim=2, max_size=6)
    sa = (batch[src.int(0, len(batch)):] + (m, k)) if src.coin(0.8) else (k,)
    sb = (G.broadcastable(src, batch) + (k, n)) if src.coin(0.8) else (k,)
    if src.coin(0.08):
        sb = sb[:-2] + (k + 1,) + sb[-1:] if len(sb) >= 2 else (k + 1,)
    x0, x1 = G.tensor(src, shp=sa), G.tensor(src, shp=sb)
    code = src.choice(("out = {x0} @ {x1}", "out = {M}.matmul({x0}, {x1})"))
    return Case("matmul", code, [x0, x1], mag=max(k, 1) * _absmax(x0) * _absmax(x1))


def gemm(src, hostile=True):
    m, k, n = (src.choice((0, 1, 2, 3, 5, 8)) for _ in range(3))
    ta, tb = src.coin(), src.coin()
    dt = src.choice(G.FLOATS) if src.coin(0.9) else None
    a = G.tensor(src, dt, (k, m) if ta else (m, k))
    b = G.tensor(src, dt, (n, k) if tb else (k, n))
    c = G.tensor(src, dt, (m, n) if src.coin(0.95) else (m, n + 1), specials=False)
    bad = any(s == "bcast" or (s == "slice" and any((sl.step or 1) < 0 for sl in arg)) for s, arg in c.steps)
    params = {"alpha": src.choice((1.0, 0.5, -2.0)), "beta": src.choice((0.0, 1.0, 0.25)), "ta": ta, "tb": tb}
    case = Case("gemm_", may_refuse="unit stride", code="{M}.gemm_({x0}, {x1}, {x2}, {alpha}, {beta}, {ta}, {tb})\nout = {x0}",
                tensors=[c, a, b], params=params,
                write=True, mag=max(k, 1) * _absmax(a) * _absmax(b) + _absmax(c))
    if bad:
        case.known = "gemm-stride"
    return case


def conv(src, hostile=True):
    op = src.choice(("conv2d", "conv2d", "conv1d", "max_pool2d", "avg_pool2d"))
    dt = src.choice(G.FLOATS) if src.coin(0.9) else None
    n, c, f = src.int(0, 2), src.int(1, 3), src.int(1, 3)
    h, w = src.int(0, 6), src.int(0, 6)
    small = (1, 1, 2, 2, 3) + ((0, -1) if hostile and src.coin(0.05) else ())
    params = {"p": src.choice(("valid", "same")), "s": src.choice(small), "d": src.choice((1, 1, 2))}
    if op.endswith("pool2d"):
        x = G.tensor(src, dt, (n, h, w, c), specials=False)
        params.update(k=src.choice(small), s=src.choice((None,) + small))
        return Case(op, "out = {M}.%s({x0}, {k}, {s}, {p})" % op, [x], params, mag=_absmax(x))
    kh, kw = src.choice(small[:5]), src.choice(small[:5])
    if src.coin(0.05):
        c = c + 1                                   # channel mismatch on purpose
    x = G.tensor(src, dt, (n, h, w, c) if op == "conv2d" else (n, w, c), specials=False)
    wt = G.tensor(src, dt, (kh, kw, max(c - (c > 1 and src.coin(0.05)), 1), f) if op == "conv2d" else (kw, c, f),
                  specials=False)
    ts = [x, wt] + ([G.tensor(src, dt, (f,), specials=False)] if src.coin() else [])
    bias = "{x2}" if len(ts) == 3 else "None"
    return Case(op, "out = {M}.%s({x0}, {x1}, %s, {s}, {p}, {d})" % (op, bias), ts, params,
                mag=kh * kw * c * _absmax(x) * _absmax(wt) + (_absmax(ts[2]) if len(ts) == 3 else 0))


# ---- shapes -------------------------------------------------------------------------------------------------------
def _new_shape(src, shp, hostile):
    size = int(np.prod(shp))
    dims, rest = [], size
    for _ in range(src.int(0, 3)):
        d = src.choice([q for q in (1, 2, 3, 4, 5) if rest % q == 0] or [1])
        dims.append(d)
        rest //= d
    dims.append(rest)
    if rest == 0:
        dims = [src.choice((0, 2, 3)) if d else 0 for d in dims]
    if src.coin(0.3):
        dims[src.int(0, len(dims) - 1)] = -1
    if src.coin(0.1):
        dims[src.int(0, len(dims) - 1)] += 1       # wrong size on purpose
    if src.coin(0.05):
        dims.append(-1)                             # two -1
    return tuple(dims) if not (size == 1 and src.coin(0.1)) else ()


def shape_op(src, hostile=True):
    x0 = G.tensor(src)
    shp, nd = x0.shape, len(x0.shape)
    op = src.choice(("reshape", "broadcast_to", "transpose", "expand_dims", "squeeze", "concatenate", "flatten"))
    p = {}
    if op == "reshape":
        p["s"] = _new_shape(src, shp, hostile)
        code = src.choice(("out = {x0}.reshape({s})", "out = {M}.reshape({x0}, {s})"))
        if hostile and src.coin(0.1):
            p["s"] = src.choice(((2**33, 2**31), (2**63, -1), (3, 2**62)))
            return Case(op, code, [x0], p, math=False, known="huge-view" if p["s"][0] > 2**32 else None)
    elif op == "broadcast_to":
        lead = G.shape(src, max_ndim=2, dims=(1, 2, 3))
        tail = tuple(src.choice((0, 3)) if d == 1 and src.coin(0.4) else d for d in shp)
        p["s"] = lead + tail if src.coin(0.9) else G.shape(src)
        code = "out = {M}.broadcast_to({x0}, {s})"
    elif op == "transpose":
        perm = list(range(nd))
        for i in range(nd - 1, 0, -1):
            j = src.int(0, i)
            perm[i], perm[j] = perm[j], perm[i]
        if nd and src.coin(0.1):
            perm[0] = src.choice((nd, -1, perm[-1]))
        p["a"] = tuple(perm) if src.coin(0.9) else None
        code = "out = {M}.transpose({x0}, {a})"
    elif op == "expand_dims":
        p["a"] = src.int(-nd - 2, nd + 1)
        code = "out = {M}.expand_dims({x0}, {a})"
    elif op == "squeeze":
        ones = [i for i, d in enumerate(shp) if d == 1]
        p["a"] = src.choice(ones + [None]) if src.coin(0.8) else src.int(-nd - 1, nd)
        code = "out = {M}.squeeze({x0}, {a})"
    elif op == "flatten":
        return Case(op, "out = {x0}.flatten()", [x0], math=False)
    else:
        ax = src.int(-nd - 1, nd) if nd else 0
        s1 = list(shp)
        if nd and src.coin(0.9):
            s1[ax % nd] = src.choice((0, 1, 2))
        x1 = G.tensor(src, x0.dtype if src.coin(0.8) else None, tuple(s1))
        return Case(op, "out = {M}.concatenate([{x0}, {x1}], {a})", [x0, x1], {"a": ax}, math=False)
    return Case(op, code, [x0], p, math=False)


FAMILIES = {"binary": binary, "inplace": inplace, "where": where, "unary": unary, "reduction": reduction,
            "softmax": softmax, "getitem": getitem, "setitem": setitem, "matmul": matmul, "gemm": gemm,
            "conv": conv, "shape": shape_op}
WEIGHTS = {"binary": 4, "inplace": 2, "where": 1, "unary": 3, "reduction": 3, "softmax": 1, "getitem": 3,
           "setitem": 2, "matmul": 1, "gemm": 1, "conv": 1, "shape": 2}
_ORDER = [f for f, w in WEIGHTS.items() for _ in range(w)]


def any_case(src, hostile=True):
    return FAMILIES[src.choice(_ORDER)](src, hostile)


# ---- findings of this fuzzer that issue #17 does not list yet (so the properties can xfail them by name) ---------
NEW = {}  # every bug this fuzzer found is fixed: their keys are in FIXED below


# named bugs that are fixed: the generators and explain() still name them, so the properties and
# test_known_issues assert them (a finding with one of these keys is a regression)
FIXED = {
    "axis=()": "#17 reductions with axis=() reduce everything instead of nothing",
    "nep50": "#17 Python ints outside the tensor's dtype wrap instead of OverflowError / exact comparison",
    "bad-key": "#17 x[1.5], x['a'] raise RecursionError/AttributeError",
    "axis-cast": "#17 argmax(axis=(0,)) / reshape(2**63) give pybind's 'Unable to cast'",
    "huge-view": "#17 views whose element count overflows are accepted",
    "index-empty": "advanced indexing of a tensor with a zero-size dimension fails in an internal reshape",
    "adv-index": "#17 advanced indexing with a bool scalar, None or an int next to arrays gives the wrong shape",
    "bcast-write": "#17 in-place writes through broadcast views: refused (ValueError) only when the destination "
                   "overlaps itself, as in PyTorch; a 0-d, empty or size-1 broadcast is writable",
    "gemm-stride": "#17 gemm_ into an output with a zero or negative row stride writes out of bounds",
    "empty-window": "conv/pool of an input with a zero spatial size raise ShapeError (and name padding='valid')",
    "setitem-unit-dims": "__setitem__ refuses values with extra leading size-1 dims (NumPy drops them)",
    "bool-mask-len": "a boolean index shorter than its axis is accepted (NumPy: IndexError 'did not match')",
    "setitem-scalar": "#17 (nep50) x[key] = a Python scalar: NumPy converts it (floats by int(), OverflowError out of "
                      "range) after checking a basic key and before checking an advanced one",
}


def explain(case, outcome, detail):
    """The KNOWN, NEW or FIXED key a finding belongs to, or None when it is unexplained."""
    if case.known and case.known != "bcast-write":
        return case.known
    key = _explain_detail(case, outcome, detail)
    return key or case.known               # a broadcast destination names only what nothing more specific explains


def _explain_detail(case, outcome, detail):
    x0 = case.tensors[0]
    if case.op in ("conv2d", "conv1d", "max_pool2d", "avg_pool2d") and outcome.startswith("refused") and \
            0 in x0.shape[1:-1]:
        return "empty-window"
    if case.op in ("getitem", "setitem"):
        if "reshape" in detail:
            return "index-empty"
        if outcome == "wrong" and "boolean index did not match" in detail:
            return "bool-mask-len"
        if case.op == "setitem" and outcome == "refused:ShapeError":
            return "setitem-unit-dims"
    if case.write and "out of bounds for" in detail and "Python integer" in detail:
        return "nep50"
    return None
