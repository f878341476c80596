"""Runs a Case in pydl and in NumPy and classifies what pydl did.

Outcomes: "ok" (NumPy's answer), "raised:<Type>" (a clean exception where NumPy raises one of the same kind, or
a TypeError refusing a dtype NumPy accepts), and the findings: "wrong" (another answer, or an answer where NumPy
raises), "refused:<Type>" (a non-dtype exception where NumPy answers), "kind:<np>-><pydl>" (an exception of another
kind than NumPy's), "unclean:<Type>" (an exception a user should never see). The fuzz runner adds crash and hang.
"""
import re
import warnings

import numpy as np

from fuzzref import R

CLEAN = (TypeError, ValueError, IndexError, OverflowError, ZeroDivisionError, NotImplementedError, MemoryError)
UNCLEAN = (RuntimeError, SystemError, RecursionError, AttributeError, KeyError, AssertionError, NameError)
KINDS = (TypeError, OverflowError, IndexError, ValueError, ZeroDivisionError)
SCALAR_OPS = ("+", "-", "*", "/", "**", "==", "!=", "<", "<=", ">", ">=", "max", "min", "+=", "-=", "*=", "/=")
RTOL = {"float32": 1e-5, "float64": 1e-12}
ATOL = {"float32": 1e-6, "float64": 1e-12}


def _exec(src, env):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(src, env)
    return env["out"]


def reference(case):
    """(NumPy result, [bases]) or raises what NumPy raises."""
    env, names, bases = {"np": np, "R": R}, [], []
    dts = {t.dtype for t in case.tensors}
    sc = case.params.get("s") if case.op in SCALAR_OPS else None
    pyfloat = isinstance(sc, float) or (isinstance(sc, int) and not isinstance(sc, bool) and "float32" in dts)
    f32 = case.math and ("float32" in dts or pyfloat) and "float64" not in dts   # pydl: int (op) float -> float32
    for i, t in enumerate(case.tensors):
        b = t.base.copy()
        if f32 and b.dtype.kind in "iu" and not case.write:
            b = b.astype(np.float32)
        if case.math and b.dtype == np.float32:
            b = b.astype(np.float64)
        v = t.view(b)
        if case.write and i == 0:
            v = _writable_destination(case, t, v, b)
        env[f"n{i}"] = v
        names.append(f"n{i}")
        bases.append(b)
    params = dict(case.params)
    if f32 and pyfloat:                                  # the scalar becomes float32 first, as in pydl and NEP 50
        with np.errstate(all="ignore"):
            params["s"] = float(np.float32(params["s"]))
    out = _exec(case.render("R", names, params), env)
    return out, bases


def _overlaps(shape, strides):
    """pydl's (and PyTorch's) test for a destination that reaches one memory location through two elements (a
    broadcast dim of size > 1 and the like); strides in bytes, all of one itemsize."""
    if 0 in shape:
        return False
    reach = 0
    for st, n in sorted((abs(s), n) for n, s in zip(shape, strides) if n > 1):
        if st <= reach:
            return True
        reach += st * (n - 1)
    return False


def _basic_key(key):
    """Does pydl (like NumPy) take the view path for this key: ints, slices, None and Ellipsis only?"""
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, slice) or
               (isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))) for k in items)


def _writable_destination(case, t, v, b):
    """The array the reference writes into for the tensor pydl writes into.

    NumPy's broadcast_to is always read-only; pydl follows PyTorch instead: a write through a broadcast view is
    refused (ValueError) only when its destination overlaps itself, and a 0-d, empty or size-1 broadcast is an
    ordinary writable view. So: pydl.tensor(...) made a private copy (write into a copy); a view made by pydl over
    from_numpy(base) is writable (write through a writable alias of the same geometry, so the memory under it is
    compared too, or expect ValueError when the destination overlaps); from_numpy of a read-only NumPy view stays
    read-only, as in NumPy. The destination is x0[key] for a basic key, else the whole x0 (gemm_, +=, advanced keys).
    """
    if not any(kind == "bcast" for kind, _ in t.steps) or t.via == "numpy":
        return v
    if t.via == "copy":
        return np.array(v)
    dest = v
    if case.op == "setitem" and _basic_key(case.params["key"]):
        try:
            dest = v[case.params["key"]]
        except Exception:                                # noqa: BLE001  NumPy reports the bad key itself
            return np.array(v)
    if _overlaps(dest.shape, dest.strides):
        raise ValueError(f"the destination of shape {dest.shape} with byte strides {dest.strides} overlaps itself: "
                         "pydl (like PyTorch) must refuse the write")
    if v.size == 0:
        return np.array(v)
    off = v.__array_interface__["data"][0] - b.__array_interface__["data"][0]
    return np.ndarray(v.shape, v.dtype, buffer=b, offset=off, strides=v.strides)


def run_pydl(case, pydl):
    env, names, bases = {"np": np, "pydl": pydl}, [], []
    for i, t in enumerate(case.tensors):
        env[f"x{i}"], b = t.build(pydl)
        names.append(f"x{i}")
        bases.append(b)
    return _exec(case.render("pydl", names), env), bases


def _arrays(out):
    if isinstance(out, (list, tuple)):
        return [np.array(o) for o in out]
    return [np.array(out)]


def differs(got, exp, mag=1.0):
    """None when got matches NumPy's exp, else a short description."""
    got, exp = np.asarray(got), np.asarray(exp)
    if got.shape != exp.shape:
        return f"shape {got.shape}, NumPy {exp.shape}"
    if (exp.dtype.kind == "b") != (got.dtype.kind == "b"):
        return f"dtype {got.dtype}, NumPy {exp.dtype}"
    if exp.dtype.kind in "biu" and got.dtype.kind in "biu":
        return None if np.array_equal(got, exp) else _first_diff(got, exp)
    gt = str(got.dtype)
    with np.errstate(all="ignore"):
        e = exp.astype(got.dtype if got.dtype.kind == "f" else np.float64).astype(np.float64)
        g = got.astype(np.float64)
        bad = np.isnan(g) != np.isnan(e)
        inf = np.isinf(g) | np.isinf(e)
        bad |= inf & ~np.isnan(e) & ~np.isnan(g) & (g != e)
        fin = ~inf & ~np.isnan(g) & ~np.isnan(e)
        bad |= fin & (np.abs(g - e) > ATOL.get(gt, 0) * mag + RTOL.get(gt, 0) * np.abs(e))
    return _first_diff(got, exp, bad) if bad.any() else None


def _first_diff(got, exp, bad=None):
    bad = (got != exp) if bad is None else bad
    i = tuple(int(v) for v in np.argwhere(bad)[0]) if got.ndim else ()
    return f"at {i}: pydl {got[i]!r}, NumPy {exp[i]!r} (dtype {got.dtype}, NumPy {exp.dtype})"


def _kind(exc):
    return next((k for k in KINDS if isinstance(exc, k)), None)


def classify(case, pydl):
    """(outcome, detail) for one case."""
    try:
        exp, ebases = reference(case)
        nerr = None
    except Exception as e:                               # noqa: BLE001  NumPy's refusal is the expectation
        exp = ebases = None
        nerr = e
    try:
        got, gbases = run_pydl(case, pydl)
        perr = None
    except Exception as e:                               # noqa: BLE001
        perr = e
    if perr is not None:
        name = type(perr).__name__
        if isinstance(perr, UNCLEAN) or not isinstance(perr, CLEAN):
            return f"unclean:{name}", f"{name}: {str(perr)[:300]}"
        if nerr is None:
            if isinstance(perr, (TypeError, NotImplementedError)) or (
                    case.may_refuse and re.search(case.may_refuse, str(perr))):
                return f"raised:{name}", str(perr)[:200]
            return f"refused:{name}", f"{name}: {str(perr)[:200]}; NumPy returns {_short(exp)}"
        ok = [k for k in KINDS if isinstance(nerr, k)]
        if any(isinstance(perr, k) for k in ok) or not ok or isinstance(perr, TypeError) or (
                isinstance(nerr, TypeError) and isinstance(perr, ValueError)) or (
                isinstance(nerr, (ValueError, IndexError)) and isinstance(perr, (ValueError, IndexError))):
            # two problems in one input are reported in another order: both are argument errors
            return f"raised:{name}", str(perr)[:200]
        return (f"kind:{type(nerr).__name__}->{name}",
                f"pydl {name}: {str(perr)[:200]}; NumPy {type(nerr).__name__}: {str(nerr)[:200]}")
    try:
        return _compare(case, got, gbases, exp, ebases, nerr)
    except Exception as e:                               # noqa: BLE001  e.g. a view too big for NumPy to read
        return "wrong", f"pydl returned something NumPy cannot read ({type(e).__name__}: {str(e)[:200]})"


def _compare(case, got, gbases, exp, ebases, nerr):
    if nerr is not None:
        if re.search("zero-size array to reduction|of an empty sequence", str(nerr)) and \
                all(a.size == 0 for a in _arrays(got)):
            return "ok", "empty result where NumPy refuses to reduce an empty axis"
        return "wrong", f"pydl returns {_short(got)}; NumPy raises {type(nerr).__name__}: {str(nerr)[:200]}"
    g, e = _arrays(got), _arrays(exp)
    if len(g) != len(e):
        return "wrong", f"{len(g)} outputs, NumPy {len(e)}"
    for a, b in zip(g, e):
        d = differs(a, b, case.mag)
        if d:
            return "wrong", d
    if case.write:
        for i, (gb, eb) in enumerate(zip(gbases, ebases)):
            d = differs(gb, eb, case.mag) if gb is not None else None
            if d:
                return "wrong", f"memory under x{i}: {d}"
    return "ok", ""


def _short(x):
    try:
        a = np.asarray(x)
        return f"{a.dtype} {a.shape} {np.array2string(a, threshold=8)}"
    except Exception:                                    # noqa: BLE001
        return repr(x)[:100]


def reproducer(case, outcome="", detail=""):
    lines = ["import numpy as np", "import pydl"]
    lines += [t.source(f"x{i}") for i, t in enumerate(case.tensors)]
    lines += case.render("pydl", [f"x{i}" for i in range(len(case.tensors))]).splitlines()
    lines.append("print(out)")
    if outcome:
        lines.append(f"# {outcome}: {detail}")
    return "\n".join(lines)
