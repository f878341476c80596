"""Random inputs for pydl-vs-NumPy checks, shared by the hypothesis properties and the fuzz runner.

Every generator draws from a `src` with three methods (int, choice, coin), so one generator serves two drivers:
`HypSrc` (hypothesis: shrinkable, reproducible with derandomize) and `RandSrc` (random.Random: case i of seed S is
always the same case). Inputs are kept small (<= 48 elements) so a case costs microseconds and a reproducer fits
on a few lines.
"""
import math
import random

import numpy as np

DTYPES = ("float32", "float64", "int32", "int64", "uint8", "bool")
FLOATS, INTS = ("float32", "float64"), ("int32", "int64", "uint8")
PYDL_DTYPE = {d: ("bool_" if d == "bool" else d) for d in DTYPES}
LIMITS = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1), "uint8": (0, 255), "bool": (0, 1)}
DIMS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 7)
MAX_SIZE = 48


class RandSrc:
    """Draws from random.Random(seed): the fuzz runner's source."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def int(self, lo, hi):
        return self.r.randint(lo, hi)

    def choice(self, seq):
        return seq[self.r.randrange(len(seq))]

    def coin(self, p=0.5):
        return self.r.random() < p


class HypSrc(RandSrc):
    """Draws through hypothesis' `data` (shrinks toward the first choice, small ints and False)."""

    def __init__(self, data):
        import hypothesis.strategies as st
        self.data, self.st = data, st

    def int(self, lo, hi):
        return self.data.draw(self.st.integers(lo, hi))

    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def coin(self, p=0.5):
        return self.int(0, 999) >= 1000 * (1 - p)


# ---- shapes ------------------------------------------------------------------------------------------------------
def shape(src, ndim=None, min_ndim=0, max_ndim=4, max_size=MAX_SIZE, dims=DIMS):
    ndim = src.int(min_ndim, max_ndim) if ndim is None else ndim
    out = [src.choice(dims) for _ in range(ndim)]
    while math.prod(out) > max_size:
        out[out.index(max(out))] //= 2
    return tuple(out)


def broadcastable(src, shp):
    """A shape that broadcasts with `shp` (some leading dims dropped or added, some dims set to 1)."""
    nd = len(shp)
    lead = src.int(0, nd) if src.coin(0.7) else 0
    out = [1 if src.coin(0.3) else d for d in shp[lead:]]
    if src.coin(0.15):
        out = [src.choice((1, 2))] + out
    if src.coin(0.05) and out:                       # incompatible on purpose
        i = src.int(0, len(out) - 1)
        out[i] = out[i] + 2
    return tuple(out)


# ---- values ------------------------------------------------------------------------------------------------------
SPECIAL = (0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e30, -3e38, 5e-324, 65504.0)


def values(src, dtype, n, specials=True, extremes=True):
    """n values of dtype as a 1-D array (from a NumPy generator seeded by src, so hypothesis need not draw each)."""
    g = np.random.default_rng(src.int(0, 2**32 - 1))
    if dtype == "bool":
        return g.random(n) < 0.5
    if dtype in INTS:
        lo, hi = LIMITS[dtype]
        kind = src.int(0, 3 if extremes else 2)
        if kind == 3:                                   # extremes
            v = g.choice(np.array([lo, lo + 1, 0, 1, hi - 1, hi], dtype=object), n)
            return np.array(list(v), dtype=dtype)
        span = (0, 10) if dtype == "uint8" else (-5, 6)
        return g.integers(span[0], span[1], n, endpoint=True).astype(dtype)
    v = np.round(g.uniform(-4, 4, n), src.choice((0, 1, 3, 7)))      # ties happen: argmax must pick the first
    if specials and n and src.coin(0.12):
        idx = g.integers(0, n, g.integers(1, n + 1))
        pool = SPECIAL if dtype == "float64" else SPECIAL[:7] + SPECIAL[-2:-1]   # float32: no overflow in between
        v[idx] = g.choice(np.array(pool), len(idx))
    return v.astype(dtype)


def py_scalar(src, dtype=None, hostile=True):
    """A Python scalar of any kind; in-range for `dtype` unless hostile (then any int up to 2**64 in magnitude)."""
    kind = src.int(0, 9)
    if kind <= 3:
        return src.int(-3, 3) if dtype != "uint8" else src.int(0, 5)
    if kind <= 5:
        return src.choice((0.5, -1.5, 2.0, 0.0, -0.0, 1e-3, 3.25))
    if kind == 6:
        return src.choice((True, False))
    if kind == 7:
        return src.choice((float("inf"), float("-inf"), float("nan"), 1e300, -1e40))
    big = src.choice((2**7, 2**8, 2**15, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**62, 2**63 - 1, 2**63, 2**64))
    v = big if src.coin() else -big
    if not hostile and dtype in LIMITS and not LIMITS[dtype][0] <= v <= LIMITS[dtype][1]:
        v = src.int(*LIMITS[dtype]) if dtype != "bool" else 1
    return v


def int_fits(v, dtype):
    """Does the Python int v fit dtype (NEP 50: else NumPy raises OverflowError)?"""
    if isinstance(v, bool) or not isinstance(v, int) or dtype not in LIMITS or dtype == "bool":
        return True
    lo, hi = LIMITS[dtype]
    return lo <= v <= hi


# ---- tensors (values + how the view is made) ---------------------------------------------------------------------
class T:
    """A tensor input: a contiguous base array, the view steps applied to it, and how pydl gets it.

    via "copy": pydl.tensor(view); "numpy": pydl.from_numpy(view made by NumPy); "pydl": pydl.from_numpy(base)
    then the same steps with pydl's own view ops. steps: ("perm", axes) | ("slice", key) | ("bcast", shape).
    """

    def __init__(self, base, steps=(), via="copy"):
        self.base, self.steps, self.via = base, tuple(steps), via

    @property
    def dtype(self):
        return str(self.base.dtype)

    def view(self, a):
        for kind, arg in self.steps:
            a = a.transpose(arg) if kind == "perm" else a[arg] if kind == "slice" else np.broadcast_to(a, arg)
        return a

    @property
    def shape(self):
        return self.view(self.base).shape

    def arrays(self):
        """(reference view, its base): fresh copies, so pydl's writes never reach the reference."""
        b = self.base.copy()
        return self.view(b), b

    def build(self, pydl):
        """(pydl tensor, the NumPy base it shares memory with or None)."""
        b = self.base.copy()
        if self.via == "copy":
            return pydl.tensor(self.view(b), dtype=PYDL_DTYPE[self.dtype]), None
        if self.via == "numpy":
            return pydl.from_numpy(self.view(b)), b
        t = pydl.from_numpy(b)
        for kind, arg in self.steps:
            t = t.permute(*arg) if kind == "perm" else t[arg] if kind == "slice" else t.broadcast_to(arg)
        return t, b

    def source(self, name):
        base = f"np.array({lit(self.base.reshape(-1).tolist())}, dtype=np.{self.dtype}).reshape({self.base.shape})"
        if self.via == "copy":
            return f"{name} = pydl.tensor({self._apply('np', base)}, dtype=pydl.{PYDL_DTYPE[self.dtype]})"
        if self.via == "numpy":
            return f"{name} = pydl.from_numpy({self._apply('np', base)})"
        return f"{name} = {self._apply('pydl', f'pydl.from_numpy({base})')}"

    def _apply(self, lib, expr):
        for kind, arg in self.steps:
            if kind == "perm":
                expr = f"{expr}.transpose({arg})" if lib == "np" else f"{expr}.permute(*{arg})"
            elif kind == "slice":
                expr = f"{expr}[{lit(arg)}]"
            else:
                expr = f"np.broadcast_to({expr}, {arg})" if lib == "np" else f"{expr}.broadcast_to({arg})"
        return expr


def _perm_step(src, shp):
    p = list(range(len(shp)))
    for i in range(len(p) - 1, 0, -1):              # Fisher-Yates through src, so hypothesis can shrink it
        j = src.int(0, i)
        p[i], p[j] = p[j], p[i]
    base = [0] * len(shp)
    for i, ax in enumerate(p):
        base[ax] = shp[i]
    return ("perm", tuple(p)), tuple(base)


def _slice_step(src, shp):
    key, base = [], []
    for d in shp:
        step = src.choice((1, 2, -1, -2, 3))
        extra = src.int(0, 2)
        n = abs(step) * max(d - 1, 0) + (1 if d else 0) + extra
        off = src.int(0, extra)
        if step > 0:
            start = off
            stop = start + step * (d - 1) + 1 if d else start
        else:
            start = n - 1 - off
            stop = start + step * (d - 1) - 1 if d else start
            stop = None if stop < 0 else stop
        key.append(slice(start, stop, step))
        base.append(n)
    return ("slice", tuple(key)), tuple(base)


def _bcast_step(src, shp):
    return ("bcast", shp), tuple(1 if src.coin(0.5) else d for d in shp[src.int(0, len(shp)):])


def tensor(src, dtype=None, shp=None, views=True, specials=True, dtypes=DTYPES, via=None, extremes=True):
    """A T of shape `shp` (drawn when None); views=False keeps it a plain contiguous copy."""
    dtype = dtype or src.choice(dtypes)
    shp = shape(src) if shp is None else tuple(shp)
    steps, cur = [], shp
    if views and src.coin(0.6):
        for _ in range(src.int(1, 2)):
            kinds = ([_slice_step] if cur else []) + ([_perm_step] if len(cur) >= 2 else []) + [_bcast_step]
            step, cur = src.choice(kinds)(src, cur)
            steps.insert(0, step)
    via = via or (src.choice(("copy", "numpy", "pydl")) if steps else src.choice(("copy", "numpy")))
    base = values(src, dtype, math.prod(cur), specials, extremes).reshape(cur)
    t = T(base, steps, via)
    try:
        ok = t.shape == shp
    except ValueError:
        ok = False
    if not ok:                                          # a step combination my arithmetic got wrong: stay plain
        t = T(values(src, dtype, math.prod(shp), specials).reshape(shp), (), "copy")
    return t


# ---- axes and index keys -----------------------------------------------------------------------------------------
def axis(src, ndim, tuples=True, allow_empty=True, allow_bad=True):
    """None, an int (negative or out of range sometimes), or a tuple of them."""
    k = src.int(0, 9)
    lo, hi = (-ndim - 1, ndim) if allow_bad else (-ndim, ndim - 1)
    if k == 0 or (ndim == 0 and not allow_bad and not (tuples and allow_empty)):
        return None
    if (k <= 5 or not tuples) and hi >= lo:
        return src.int(lo, hi)
    n = src.int(0 if allow_empty else 1, max(ndim, 1))
    axes = [src.int(lo, hi) for _ in range(n)] if hi >= lo else []
    if not allow_bad:
        axes = list(dict.fromkeys(a % ndim for a in axes))
        axes = [a - ndim if src.coin(0.3) else a for a in axes]
        if not axes and not allow_empty:
            return None
    return tuple(axes)


def index_key(src, shp, advanced=True, hostile=True):
    """A NumPy index for an array of shape shp: ints, slices, None, Ellipsis, int arrays, bool masks."""
    items, dim, used_ellipsis = [], 0, False
    for _ in range(src.int(1 if not shp else 0, len(shp) + 1)):
        k = src.int(0, 11)
        d = shp[dim] if dim < len(shp) else 0
        if k <= 2 and dim < len(shp):
            items.append(src.int(-d - (1 if hostile else 0), d - (0 if hostile else 1)) if (d or hostile) else
                         slice(None))
            dim += 1
        elif k <= 6:
            step = src.choice((None, 1, 2, -1, -2, 3) + ((0,) if hostile and src.coin(0.1) else ()))
            items.append(slice(src.choice((None, 0, 1, -1, -3, 5)), src.choice((None, 0, 2, -1, 9)), step))
            dim += 1
        elif k == 7:
            items.append(None)
        elif k == 8 and not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            dim = max(dim, len(shp) - (len(shp) - dim) // 2)
        elif k <= 10 and advanced and dim < len(shp):
            n = src.int(0, 4)
            lo, hi = (-d - 1, d) if hostile else (-d, d - 1)
            items.append(np.array([src.int(lo, hi) for _ in range(n)] if hi >= lo else [], dtype=np.int64)
                         if src.coin(0.7) else [src.int(lo, hi) for _ in range(n)] if hi >= lo else [])
            dim += 1
        elif advanced and dim < len(shp):
            rest = shp[dim:dim + src.int(1, max(1, len(shp) - dim))]
            mask = np.random.default_rng(src.int(0, 2**31)).random(rest) < 0.5
            items.append(mask)
            dim += len(rest)
        elif advanced and hostile and src.coin(0.3):
            items.append(src.choice((True, False)))
    if hostile and src.coin(0.03):
        items.append(src.choice((1.5, "a", np.array([0.5]))))
    return items[0] if len(items) == 1 and src.coin(0.5) else tuple(items)


# ---- rendering literals as Python source -------------------------------------------------------------------------
def lit(v):
    """Python source that evaluates to v (needs `np` in scope)."""
    if isinstance(v, float):
        return f"float('{v}')" if math.isnan(v) or math.isinf(v) else repr(v)
    if isinstance(v, np.ndarray):
        return f"np.array({lit(v.tolist())}, dtype=np.{v.dtype})"
    if isinstance(v, tuple):
        return "(" + "".join(lit(x) + ", " for x in v) + ")" if len(v) == 1 else "(" + ", ".join(map(lit, v)) + ")"
    if isinstance(v, list):
        return "[" + ", ".join(map(lit, v)) + "]"
    if isinstance(v, slice):
        return f"slice({lit(v.start)}, {lit(v.stop)}, {lit(v.step)})"
    if v is Ellipsis:
        return "..."
    if isinstance(v, np.generic):
        return lit(v.item())
    return repr(v)
