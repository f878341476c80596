"""pydl.Tensor and tensor creation. The class itself lives in C++ (pydl._C.Tensor); this module adds the
Python-side conveniences: construction from Python data, repr, NumPy conversion and advanced indexing."""
import numpy as np

from . import _C
from ._dtypes import float32, int64

Tensor = _C.Tensor

_INDEX_KINDS = "iub"


def _as_dtype(dtype):
    """pydl.DType from a DType, a name or a NumPy dtype (None stays None)."""
    return None if dtype is None else _C._dtype(dtype)


def _to_numpy_data(data, dtype):
    """NumPy array for `data` with pydl's dtype rules: Python floats -> float32, ints -> int64."""
    if isinstance(data, Tensor):
        return np.asarray(data.cpu())
    if isinstance(data, np.ndarray) or hasattr(data, "__array_interface__"):
        arr = np.asarray(data)
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"cannot build a tensor from {type(data).__name__}: {e}") from None
        if arr.dtype == np.float64 and dtype is None:
            arr = arr.astype(np.float32)
    if arr.dtype.kind not in "biuf":
        raise _C.DTypeError(f"cannot build a tensor from data of dtype {arr.dtype} "
                            "(supported: float32, float64, int32, int64, uint8, bool)")
    if dtype is not None:
        arr = arr.astype(str(dtype).replace("bool_", "bool"), copy=False)
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


def _index_array(k, size):
    if isinstance(k, Tensor):
        k = np.asarray(k.cpu())
    arr = np.asarray(k)
    if arr.dtype.kind not in _INDEX_KINDS or (arr.dtype.kind != "b" and arr.size == 0 and arr.dtype.kind == "f"):
        if arr.size == 0:
            arr = arr.astype(np.int64)
        else:
            raise IndexError(f"arrays used as indices must be of integer or boolean type, got {arr.dtype}")
    return arr


def _split_key(self, key):
    """Splits a key into basic items and advanced (array) items, NumPy style."""
    key = key if isinstance(key, tuple) else (key,)
    out = []
    for k in key:
        if isinstance(k, (list, np.ndarray, Tensor)) or isinstance(k, (bool, np.bool_)):
            out.append(("adv", _index_array(k, None)))
        else:
            out.append(("basic", k))
    return out


def _advanced_getitem(self, key):
    """Integer-array and boolean-mask indexing (copies), following NumPy's rules."""
    parts = _split_key(self, key)
    # Expand boolean masks into the integer arrays of their nonzero positions.
    expanded = []
    for kind, k in parts:
        if kind == "adv" and k.dtype == np.bool_:
            if k.ndim == 0:
                expanded.append(("basic", None))
                expanded.append(("adv", np.zeros(int(k), dtype=np.int64)))
                continue
            expanded.extend(("adv", nz) for nz in np.nonzero(k))
        else:
            expanded.append((kind, k))
    # Apply the basic part first, keeping a placeholder full slice where each advanced index sits.
    basic_key, adv_dims, dim = [], [], 0
    n_consumed = sum(1 for kind, k in expanded if kind == "adv" or (k is not None and k is not Ellipsis))
    for kind, k in expanded:
        if kind == "adv":
            basic_key.append(slice(None))
            adv_dims.append((len(basic_key) - 1, k))
        else:
            basic_key.append(k)
    # Map positions in basic_key to result dims of the basic view.
    view = self[tuple(basic_key)] if basic_key else self
    pos_to_dim, d = {}, 0
    for i, k in enumerate(basic_key):
        if k is Ellipsis:
            d += self.ndim - n_consumed
        elif k is None:
            d += 1
        elif isinstance(k, slice):
            pos_to_dim[i] = d
            d += 1
        # ints remove a dim
    dims = [pos_to_dim[p] for p, _ in adv_dims]
    arrays = np.broadcast_arrays(*[a for _, a in adv_dims])
    for dd, a in zip(dims, arrays):
        n = view.shape[dd]
        if a.size and (a.max() >= n or a.min() < -n):
            bad = a.max() if a.max() >= n else a.min()
            raise IndexError(f"index {bad} is out of bounds for axis {dd} with size {n}")
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    # Move the indexed dims to the front (NumPy puts the result there unless they were adjacent).
    rest = [i for i in range(view.ndim) if i not in dims]
    moved = view.permute(*(dims + rest))
    flat_shape = [view.shape[i] for i in dims]
    merged = moved.reshape(-1, *[view.shape[i] for i in rest])
    flat_index = np.ravel_multi_index(tuple(np.where(a < 0, a + n, a) for a, n in zip(arrays, flat_shape)),
                                      flat_shape) if flat_shape else np.zeros((), np.int64)
    picked = _C._index_select(merged, 0, _C.from_numpy(np.ascontiguousarray(flat_index, dtype=np.int64)))
    bshape = list(arrays[0].shape)
    if adjacent and dims[0] != 0:
        # Result dims go where the indexed dims were.
        nb = len(bshape)
        order = list(range(nb, nb + dims[0])) + list(range(nb)) + list(range(nb + dims[0], picked.ndim))
        picked = picked.permute(*order)
    return picked


def _advanced_setitem(self, key, value):
    """Assignment through integer arrays or boolean masks."""
    parts = _split_key(self, key)
    if len(parts) == 1 and parts[0][1].dtype == np.bool_ and parts[0][1].shape == self.shape:
        mask = _C.from_numpy(np.ascontiguousarray(parts[0][1]))
        val = value if isinstance(value, Tensor) else tensor(value, dtype=self.dtype)
        if val.ndim == 1 and val.size == int(np.count_nonzero(parts[0][1])) and val.size != 1:
            flat_idx = np.flatnonzero(parts[0][1])
            _scatter_flat(self, flat_idx, val)
            return
        _C._copy_(self, _C.where(mask, val.astype(self.dtype) if val.dtype != self.dtype else val, self))
        return
    # General case: compute the flat positions selected by the key, then write them.
    positions = np.arange(self.size, dtype=np.int64).reshape(self.shape)[key]
    val = value if isinstance(value, Tensor) else tensor(value, dtype=self.dtype)
    val = val.broadcast_to(positions.shape) if val.shape != positions.shape else val
    _scatter_flat(self, positions.reshape(-1), val.reshape(-1))


def _scatter_flat(self, flat_idx, values):
    if not self.is_contiguous():
        tmp = self.contiguous()
        _scatter_flat(tmp, flat_idx, values)
        _C._copy_(self, tmp)
        return
    flat = self.reshape(-1)
    vals = values.astype(self.dtype).reshape(-1) if values.dtype != self.dtype else values.reshape(-1)
    vals = vals.broadcast_to((len(flat_idx),)) if vals.size == 1 else vals
    # Writes go through NumPy on the shared CPU memory (a plain copy, no math).
    np.asarray(flat)[flat_idx] = np.asarray(vals.contiguous().cpu())
    _C._bump_version(flat)  # autograd must see this write to memory it may have saved


_C._set_index_hooks(_advanced_getitem, _advanced_setitem)
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


def empty(*shape, dtype=float32, device="cpu", requires_grad=False):
    """An uninitialised tensor."""
    return _grad(_C.empty(_shape(shape), _as_dtype(dtype), device), requires_grad)


def zeros(*shape, dtype=float32, device="cpu", requires_grad=False):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _grad(_C.full(_shape(shape), 0.0, _as_dtype(dtype), device), requires_grad)


def ones(*shape, dtype=float32, device="cpu", requires_grad=False):
    return _grad(_C.full(_shape(shape), 1.0, _as_dtype(dtype), device), requires_grad)


def full(shape, fill_value, dtype=None, device="cpu"):
    if dtype is None:
        dtype = "bool_" if isinstance(fill_value, bool) else ("int64" if isinstance(fill_value, int) else float32)
    return _C.full(_shape((shape,)) if not isinstance(shape, int) else (shape,), float(fill_value), _as_dtype(dtype), device)


def _like(t, dtype):
    return t.dtype if dtype is None else _as_dtype(dtype)


def empty_like(t, dtype=None):
    return _C.empty(t.shape, _like(t, dtype), t.device)


def zeros_like(t, dtype=None):
    return _C.full(t.shape, 0.0, _like(t, dtype), t.device)


def ones_like(t, dtype=None):
    return _C.full(t.shape, 1.0, _like(t, dtype), t.device)


def full_like(t, fill_value, dtype=None):
    return _C.full(t.shape, float(fill_value), _like(t, dtype), t.device)


def arange(start, stop=None, step=1, dtype=None, device="cpu"):
    """Evenly spaced values in [start, stop), like numpy.arange (ints give int64, floats float32)."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = int64 if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)) else float32
    return _C.arange(float(start), float(stop), float(step), _as_dtype(dtype), device)


def linspace(start, stop, num=50, dtype=float32, device="cpu"):
    return _C.linspace(float(start), float(stop), int(num), _as_dtype(dtype), device)


def eye(n, m=None, dtype=float32, device="cpu"):
    return _C.eye(int(n), int(n if m is None else m), _as_dtype(dtype), device)


_UNIFORM, _NORMAL, _INTEGER = 0, 1, 2


def rand(*shape, dtype=float32, device="cpu", requires_grad=False):
    """Uniform samples in [0, 1) from pydl's counter-based generator (see manual_seed)."""
    return _grad(_C._random(_shape(shape), _UNIFORM, 0.0, 1.0, _as_dtype(dtype), device), requires_grad)


def randn(*shape, dtype=float32, device="cpu", requires_grad=False):
    """Standard normal samples."""
    return _grad(_C._random(_shape(shape), _NORMAL, 0.0, 1.0, _as_dtype(dtype), device), requires_grad)


def uniform(shape, low=0.0, high=1.0, dtype=float32, device="cpu"):
    return _C._random(_shape((shape,)) if not isinstance(shape, int) else (shape,), _UNIFORM, float(low), float(high),
                      _as_dtype(dtype), device)


def normal(shape, mean=0.0, std=1.0, dtype=float32, device="cpu"):
    return _C._random(_shape((shape,)) if not isinstance(shape, int) else (shape,), _NORMAL, float(mean), float(std),
                      _as_dtype(dtype), device)


def randint(low, high, shape, dtype=int64, device="cpu"):
    """Integers in [low, high)."""
    return _C._random(_shape((shape,)) if not isinstance(shape, int) else (shape,), _INTEGER, float(low), float(high),
                      _as_dtype(dtype), device)


def rand_like(t, dtype=None):
    return _C._random(t.shape, _UNIFORM, 0.0, 1.0, _like(t, dtype), t.device)


def randn_like(t, dtype=None):
    return _C._random(t.shape, _NORMAL, 0.0, 1.0, _like(t, dtype), t.device)


manual_seed = _C.manual_seed
from_dlpack = _C.from_dlpack
Device = _C.Device


def device(spec):
    """A pydl.Device from 'cpu', 'cuda' or 'cuda:N'."""
    return _C.Device(spec)
