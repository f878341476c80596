"""Argument checks shared by the Python-side API: each error names the function, the parameter and the value."""
import numbers

import numpy as np

# Integer dtype name -> (min, max): the range a Python int must fit (NumPy 2 raises OverflowError otherwise).
INT_RANGES = {"uint8": (0, 255), "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


def is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def integer(v, name, op):
    """v as a Python int; TypeError naming op, parameter and value otherwise."""
    if not is_int(v):
        raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__} {v!r}")
    return int(v)


def number(v, name, op):
    """v as a float (ints and floats, not bools); TypeError otherwise, OverflowError for ints beyond float."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(v).__name__} {v!r}")
    try:
        return float(v)
    except OverflowError:
        raise OverflowError(f"{op}: {name} {v!r} is too large to convert to float") from None


def fit_int(v, dtype_name, op, name="value"):
    """Checks that the Python int v fits an integer dtype: OverflowError naming the value otherwise."""
    lo, hi = INT_RANGES.get(dtype_name, (None, None))
    if lo is not None and not lo <= v <= hi:
        raise OverflowError(f"{op}: Python integer {v} ({name}) out of bounds for {dtype_name}")
    return v


def axis(v, ndim, op):
    """A valid axis index for a tensor of rank ndim (negative counts from the end)."""
    a = integer(v, "axis", op)
    if not -ndim <= a < ndim:
        raise IndexError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}")
    return a % ndim


def array(v, name, op):
    """np.asarray(v), with a ragged or otherwise unconvertible v named in a ValueError."""
    try:
        return np.asarray(v)
    except ValueError as e:
        raise ValueError(f"{op}: {name} must be array-like, got {type(v).__name__} {v!r} ({e})") from None
