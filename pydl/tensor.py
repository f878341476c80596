"""pydl.Tensor and tensor creation. The class itself lives in C++ (pydl._C.Tensor); this module adds the
Python-side conveniences: construction from Python data, repr and NumPy conversion (advanced indexing: _indexing.py)."""
import numpy as np

from . import _C, _args
from ._dtypes import float32, int64

Tensor = _C.Tensor



def _as_dtype(dtype):
    """pydl.DType from a DType, a name or a NumPy dtype (None stays None)."""
    return None if dtype is None else _C._dtype(dtype)


def _too_big(arr):
    """The first value of a uint64 or object array that no pydl dtype holds (None when all fit int64)."""
    if arr.dtype == np.uint64:
        big = arr[arr > np.uint64(2**63 - 1)]
        return int(big.flat[0]) if big.size else None
    if arr.dtype == object:
        for v in arr.flat:
            if _args.is_int(v) and not -2**63 <= v < 2**63:
                return int(v)
    return None


def _to_numpy_data(data, dtype):
    """NumPy array for `data` with pydl's dtype rules: Python floats -> float32, ints -> int64."""
    if isinstance(data, Tensor):
        return np.asarray(data.cpu())
    is_array = isinstance(data, np.ndarray) or hasattr(data, "__array_interface__")
    np_dtype = None if dtype is None else str(dtype).replace("bool_", "bool")
    try:
        # With a dtype, Python data converts straight to it: NumPy raises OverflowError for an int that does not fit.
        arr = np.asarray(data) if is_array or dtype is None else np.asarray(data, dtype=np_dtype)
    except (ValueError, TypeError) as e:
        shown = repr(data) if len(repr(data)) < 200 else repr(data)[:200] + "..."
        raise ValueError(f"cannot build a tensor from {type(data).__name__} {shown}: {e}") from None
    if not is_array and arr.dtype == np.float64 and dtype is None:
        arr = arr.astype(np.float32)
    big = _too_big(arr)
    if big is not None:
        raise OverflowError(f"Python integer {big} out of bounds for int64 (pydl's widest integer dtype)")
    if arr.dtype.kind not in "biuf":
        raise _C.DTypeError(f"cannot build a tensor from data of dtype {arr.dtype} "
                            "(supported: float32, float64, int32, int64, uint8, bool)")
    if dtype is not None:
        arr = arr.astype(np_dtype, copy=False)
    elif arr.dtype.kind == "i" and arr.dtype.itemsize not in (4, 8):
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "u" and arr.dtype.itemsize != 1:
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "f" and arr.dtype.itemsize not in (4, 8):
        arr = arr.astype(np.float32)
    return arr


def tensor(data, dtype=None, requires_grad=False, device="cpu"):
    """A new tensor holding a copy of `data` (nested lists, scalars, NumPy arrays or tensors).

    >>> pydl.tensor([[1.0, 2.0]]).shape
    (1, 2)
    """
    dtype = _as_dtype(dtype)
    arr = np.array(_to_numpy_data(data, dtype), copy=True, order="C")
    t = _C.from_numpy(arr).clone()
    if str(device) != "cpu":
        t = t.to(device)
    if requires_grad:
        t.requires_grad = True
    return t


def from_numpy(array):
    """Wraps a NumPy array without copying: changes through either are seen by both."""
    return _C.from_numpy(array)


def _numpy(self):
    """A NumPy view of this CPU tensor (no copy)."""
    return np.asarray(self)


def _array(self, dtype=None, copy=None):
    arr = self.cpu()._numpy_view()
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr.copy() if copy else arr


def _tolist(self):
    return np.asarray(self.cpu()).tolist()


def _repr(self):
    body = np.array2string(np.asarray(self.cpu()), separator=", ", prefix="tensor(")
    extras = []
    extras.append(f"dtype={self.dtype}")
    if self.device.type != "cpu":
        extras.append(f"device='{self.device}'")
    if self.grad_fn is not None:
        extras.append(f"grad_fn=<{self.grad_fn}>")
    elif self.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    for i in range(self.shape[0]):
        yield self[i]


Tensor.numpy = _numpy
Tensor.__array__ = _array
Tensor.tolist = _tolist
Tensor.__repr__ = _repr
Tensor.__str__ = _repr
Tensor.__iter__ = _iter


# ---- creation -------------------------------------------------------------------------------------------------

def _grad(t, requires_grad):
    if requires_grad:
        t.requires_grad = True
    return t


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _shape_arg(shape):
    """The shape argument of full/uniform/normal/randint: an int or a sequence of ints."""
    return (shape,) if _args.is_int(shape) else shape


def empty(*shape, dtype=float32, device="cpu", requires_grad=False):
    """An uninitialised tensor."""
    return _grad(_C.empty(_shape(shape), _as_dtype(dtype), device), requires_grad)


def zeros(*shape, dtype=float32, device="cpu", requires_grad=False):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _grad(_C.full(_shape(shape), 0.0, _as_dtype(dtype), device), requires_grad)


def ones(*shape, dtype=float32, device="cpu", requires_grad=False):
    return _grad(_C.full(_shape(shape), 1.0, _as_dtype(dtype), device), requires_grad)


def _fill(shape, fill_value, dtype, device, op):
    """Fills with NumPy's rules: an int into an integer dtype is exact (never rounded through a double) and must
    fit it; NaN or infinity cannot become an integer."""
    name = dtype.name
    if isinstance(fill_value, (bool, np.bool_)):
        return _C.full(shape, float(fill_value), dtype, device)
    if name in _args.INT_RANGES and _args.is_int(fill_value):
        return _C._full_int(shape, _args.fit_int(int(fill_value), name, op, "fill_value"), dtype, device)
    value = _args.number(fill_value, "fill_value", op)
    if name in _args.INT_RANGES and not np.isfinite(value):
        raise ValueError(f"{op}: cannot convert fill_value {value} to integer dtype {name}")
    return _C.full(shape, value, dtype, device)


def full(shape, fill_value, dtype=None, device="cpu"):
    """A tensor of `shape` filled with fill_value (dtype bool, int64 or float32 from the value by default)."""
    if dtype is None:
        dtype = "bool_" if isinstance(fill_value, (bool, np.bool_)) else ("int64" if _args.is_int(fill_value) else float32)
    return _fill(_shape_arg(shape), fill_value, _as_dtype(dtype), device, "full")


def _like(t, dtype):
    return t.dtype if dtype is None else _as_dtype(dtype)


def empty_like(t, dtype=None):
    return _C.empty(t.shape, _like(t, dtype), t.device)


def zeros_like(t, dtype=None):
    return _C.full(t.shape, 0.0, _like(t, dtype), t.device)


def ones_like(t, dtype=None):
    return _C.full(t.shape, 1.0, _like(t, dtype), t.device)


def full_like(t, fill_value, dtype=None):
    return _fill(t.shape, fill_value, _like(t, dtype), t.device, "full_like")


def arange(start, stop=None, step=1, dtype=None, device="cpu"):
    """Evenly spaced values in [start, stop), like numpy.arange (ints give int64, floats float32). With ints and
    an integer dtype the values are exact; each bound must fit the dtype."""
    if stop is None:
        start, stop = 0, start
    all_int = all(_args.is_int(v) for v in (start, stop, step))
    if dtype is None:
        dtype = int64 if all_int else float32
    dtype = _as_dtype(dtype)
    if all_int and dtype.name in _args.INT_RANGES:
        start, stop, step = int(start), int(stop), int(step)
        if step == 0:
            raise ValueError(f"arange: step must be non-zero, got {step}")
        count = max(0, -((start - stop) // step))  # ceil((stop - start) / step) in exact integers
        if count:  # every value must fit (NumPy would wrap past the dtype's end without a word)
            _args.fit_int(start, dtype.name, "arange", "start")
            _args.fit_int(start + (count - 1) * step, dtype.name, "arange", "last value")
        return _C._arange_int(start, step, count, dtype, device)
    return _C.arange(_args.number(start, "start", "arange"), _args.number(stop, "stop", "arange"),
                     _args.number(step, "step", "arange"), dtype, device)


def linspace(start, stop, num=50, dtype=float32, device="cpu"):
    return _C.linspace(_args.number(start, "start", "linspace"), _args.number(stop, "stop", "linspace"),
                       _args.integer(num, "num", "linspace"), _as_dtype(dtype), device)


def eye(n, m=None, dtype=float32, device="cpu"):
    return _C.eye(_args.integer(n, "n", "eye"), _args.integer(n if m is None else m, "m", "eye"), _as_dtype(dtype),
                  device)


_Random = _C.RandomKind


def rand(*shape, dtype=float32, device="cpu", requires_grad=False):
    """Uniform samples in [0, 1) from pydl's counter-based generator (see manual_seed)."""
    return _grad(_C._random(_shape(shape), _Random.Uniform, 0.0, 1.0, _as_dtype(dtype), device), requires_grad)


def randn(*shape, dtype=float32, device="cpu", requires_grad=False):
    """Standard normal samples."""
    return _grad(_C._random(_shape(shape), _Random.Normal, 0.0, 1.0, _as_dtype(dtype), device), requires_grad)


def uniform(shape, low=0.0, high=1.0, dtype=float32, device="cpu"):
    return _C._random(_shape_arg(shape), _Random.Uniform, _args.number(low, "low", "uniform"),
                      _args.number(high, "high", "uniform"), _as_dtype(dtype), device)


def normal(shape, mean=0.0, std=1.0, dtype=float32, device="cpu"):
    return _C._random(_shape_arg(shape), _Random.Normal, _args.number(mean, "mean", "normal"),
                      _args.number(std, "std", "normal"), _as_dtype(dtype), device)


def randint(low, high, shape, dtype=int64, device="cpu"):
    """Integers in [low, high), like numpy.random.randint: low and high - 1 must fit the dtype."""
    low, high = _args.integer(low, "low", "randint"), _args.integer(high, "high", "randint")
    dtype = _as_dtype(dtype)
    lo, hi = _args.INT_RANGES.get(getattr(dtype, "name", None), (None, None))
    if lo is None:
        raise _C.DTypeError(f"randint: expected an integer dtype, got {dtype!r}")
    if not lo <= low <= hi:
        raise ValueError(f"randint: low is out of bounds for {dtype.name}, got low={low}")
    if not lo < high <= hi + 1:
        raise ValueError(f"randint: high is out of bounds for {dtype.name}, got high={high}")
    if low >= high:
        raise ValueError(f"randint: low >= high, got low={low} high={high}")
    return _C._random(_shape_arg(shape), _Random.Integer, float(low), float(high), dtype, device)


def rand_like(t, dtype=None):
    return _C._random(t.shape, _Random.Uniform, 0.0, 1.0, _like(t, dtype), t.device)


def randn_like(t, dtype=None):
    return _C._random(t.shape, _Random.Normal, 0.0, 1.0, _like(t, dtype), t.device)


manual_seed = _C.manual_seed
from_dlpack = _C.from_dlpack
Device = _C.Device


def device(spec):
    """A pydl.Device from 'cpu', 'cuda' or 'cuda:N'."""
    return _C.Device(spec)
