"""Advanced indexing of pydl.Tensor (integer and boolean arrays, NumPy's rules), installed into the C++ class as
its getitem/setitem hooks; basic indexing (ints, slices, None, ...) stays in C++ as views."""
import numpy as np

from . import _C
from .tensor import Tensor, tensor

_INDEX_KINDS = "iub"  # NumPy dtype kinds valid as index arrays: signed, unsigned, bool


_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and integer or boolean arrays are valid indices, "
              "got {}")


def _index_array(k):
    """An index array (list, NumPy array, Tensor or bool scalar) as a NumPy integer or bool array."""
    if isinstance(k, Tensor):
        k = np.asarray(k.cpu())
    try:
        arr = np.asarray(k)
    except ValueError as e:
        raise IndexError(f"cannot use {k!r} as an index array: {e}") from None
    if arr.size == 0 and arr.dtype.kind != "b" and not isinstance(k, np.ndarray):
        return arr.astype(np.int64)  # [] is an empty integer index, as in NumPy (an empty float array is not)
    if arr.dtype.kind not in _INDEX_KINDS:
        raise IndexError(f"arrays used as indices must be of integer or boolean type, got dtype {arr.dtype} "
                         f"in {k!r}")
    return arr


def _is_int(k):
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _parse_key(self, key):
    """The items of an advanced key as (kind, value): int, slice, none, ellipsis, array (integer), mask (bool
    array of ndim >= 1) and bool (a bool scalar). Raises NumPy's IndexError for anything else."""
    key = key if isinstance(key, tuple) else (key,)
    items = []
    for k in key:
        if _is_int(k) or (isinstance(k, Tensor) and k.ndim == 0 and k.dtype.name not in ("bool", "float32", "float64")):
            items.append(("int", int(k)))
        elif isinstance(k, slice):
            items.append(("slice", k))
        elif k is None:
            items.append(("none", None))
        elif k is Ellipsis:
            items.append(("ellipsis", None))
        elif isinstance(k, (bool, np.bool_)):
            items.append(("bool", bool(k)))
        elif isinstance(k, (list, np.ndarray, Tensor)):
            arr = _index_array(k)
            if arr.dtype.kind == "b" and arr.shape == (0,):  # NumPy: an empty 1-D mask is an empty integer index
                items.append(("array", np.zeros(0, np.int64)))
            elif arr.dtype.kind == "b":
                items.append(("bool", bool(arr)) if arr.ndim == 0 else ("mask", arr))
            else:
                items.append(("array", arr.astype(np.int64, copy=False)))
        elif hasattr(k, "__index__") and not isinstance(k, (float, str, bytes)):
            items.append(("int", k.__index__()))
        else:
            raise IndexError(_BAD_INDEX.format(f"{type(k).__name__} {k!r}"))
    if sum(kind == "ellipsis" for kind, _ in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 if kind in ("int", "slice", "array") else (v.ndim if kind == "mask" else 0) for kind, v in items)
    if used > self.ndim:
        raise IndexError(f"too many indices for tensor: tensor is {self.ndim}-dimensional, but {used} were indexed")
    return items, self.ndim - used


def _advanced_getitem(self, key):
    """Integer-array and boolean indexing (copies), following NumPy's rules: every integer becomes an index array
    too; the broadcast index dims replace the indexed dims in place when the advanced items are adjacent in the
    key, and go first otherwise. A bool scalar indexes a new axis of length 1 (True: keep, False: empty)."""
    items, free = _parse_key(self, key)
    basic, adv, positions, dim, axis = [], [], [], 0, 0  # dim: in the basic view; axis: in self
    for pos, (kind, v) in enumerate(items):
        if kind == "ellipsis":
            basic += [slice(None)] * free
            dim += free
            axis += free
        elif kind == "slice":
            basic.append(v); dim += 1; axis += 1
        elif kind == "none":
            basic.append(None); dim += 1
        elif kind == "bool":  # a new axis of length 1, then indexed by [0] (True) or [] (False)
            basic.append(None)
            adv.append((dim, np.zeros(int(v), np.int64)))
            positions.append(pos); dim += 1
        elif kind == "mask":
            size = self.shape[axis:axis + v.ndim]
            if v.shape != tuple(size):
                raise IndexError(f"boolean index of shape {v.shape} does not match the indexed tensor's shape "
                                 f"{tuple(size)} at axis {axis}")
            for nz in np.nonzero(v):
                basic.append(slice(None))
                adv.append((dim, nz)); dim += 1; axis += 1
            positions.append(pos)
        else:  # int or array: one axis
            basic.append(slice(None))
            adv.append((dim, np.asarray(v, np.int64)))
            positions.append(pos); dim += 1; axis += 1
    view = self[tuple(basic)] if basic else self
    dims = [d for d, _ in adv]
    try:
        arrays = np.broadcast_arrays(*[a for _, a in adv])
    except ValueError:
        shapes = " ".join(str(a.shape) for _, a in adv)
        raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together with shapes {shapes}") from None
    flat_shape = [view.shape[d] for d in dims]
    # NumPy checks integers always, index arrays only where the broadcast result has elements.
    for (d, a), b, n in zip(adv, arrays, flat_shape):
        a = a if a.ndim == 0 else b
        if a.size and (a.max() >= n or a.min() < -n):
            bad = a.max() if a.max() >= n else a.min()
            raise IndexError(f"index {bad} is out of bounds for axis {d} with size {n}")
    wrapped = [np.where(a < 0, a + n, a) for a, n in zip(arrays, flat_shape)]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    rest = [i for i in range(view.ndim) if i not in dims]
    rest_shape = [view.shape[i] for i in rest]
    merged = view.permute(*(dims + rest)).reshape(int(np.prod(flat_shape, dtype=np.int64)), *rest_shape)
    flat_index = np.ravel_multi_index(tuple(wrapped), flat_shape) if arrays[0].size else np.zeros(arrays[0].shape, np.int64)
    picked = _C._index_select(merged, 0, _C.from_numpy(np.ascontiguousarray(flat_index, dtype=np.int64)))
    if adjacent and dims[0] != 0:  # the index dims go where the indexed dims were
        nb = arrays[0].ndim
        order = list(range(nb, nb + dims[0])) + list(range(nb)) + list(range(nb + dims[0], picked.ndim))
        picked = picked.permute(*order)
    return picked


def _numpy_key(self, key):
    """The key with Tensors replaced by NumPy arrays (after the same checks as getitem), for NumPy to apply."""
    _parse_key(self, key)
    key = key if isinstance(key, tuple) else (key,)
    return tuple(_index_array(k) if isinstance(k, (Tensor, list)) else k for k in key)


def _check_key_items(self, items, free):
    """NumPy checks a key's integers and mask shapes while parsing it, before the value and the index arrays."""
    axis = 0
    for kind, v in items:
        if kind == "int" and not -self.shape[axis] <= v < self.shape[axis]:
            raise IndexError(f"index {v} is out of bounds for axis {axis} with size {self.shape[axis]}")
        if kind == "slice" and v.step == 0:
            raise ValueError("slice step cannot be zero")
        if kind == "mask":
            for d, (n, m) in enumerate(zip(self.shape[axis:axis + v.ndim], v.shape)):
                if n != m:
                    raise IndexError(f"boolean index did not match indexed array along axis {axis + d}; size of "
                                     f"axis is {n} but size of corresponding boolean axis is {m}")
        axis += {"ellipsis": free, "int": 1, "slice": 1, "array": 1}.get(kind, 0) + (v.ndim if kind == "mask" else 0)


def _fits_empty(vshape, rshape, items, free):
    """NumPy's rule (found by experiment) for a value with extra leading dims and an empty selection: the extra dims
    are ignored; the value's dims under the index-array dims match them strictly (equal, or 1 where the dim is not
    0); the others broadcast as usual when the index arrays select nothing, else strictly too."""
    adv = [i for i, (kind, _) in enumerate(items) if kind in ("int", "array", "mask", "bool")]
    shapes = [np.shape(v) if kind in ("int", "array") else (1 if v else 0,) if kind == "bool" else
              (int(np.count_nonzero(v)),) for kind, v in (items[i] for i in adv)]
    bshape = np.broadcast_shapes(*shapes)
    pre = 0
    if adv == list(range(adv[0], adv[-1] + 1)):          # adjacent: the index dims stay where they were
        pre = sum(free if kind == "ellipsis" else 1 for kind, _ in items[:adv[0]])
    post = rshape[pre + len(bshape):]
    vpost = vshape[len(vshape) - len(post):] if post else ()
    vb = vshape[len(vshape) - len(post) - len(bshape):len(vshape) - len(post)]
    vpre = vshape[len(vshape) - len(rshape):len(vshape) - len(post) - len(bshape)]
    def strict(vs, rs):
        return all(v == r or (v == 1 and r) for v, r in zip(vs, rs))
    rest, vrest = tuple(post) + tuple(rshape[:pre]), vpost + vpre
    return strict(vb, bshape) and (all(v in (1, r) for v, r in zip(vrest, rest)) if 0 in bshape else
                                   strict(vrest, rest))


def _setitem_value(self, value):
    """The value of an assignment as a tensor: Python scalars by NumPy's rules (see _C._setitem_operand)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        return _C._setitem_operand(self, value)
    return tensor(value, dtype=self.dtype)


def _advanced_setitem(self, key, value):
    """Assignment through integer arrays or boolean masks, in NumPy's order: the key's form (IndexError), the value
    (OverflowError for a Python int out of range), then the bounds and shapes. The C++ caller has refused a
    read-only or self-overlapping destination already."""
    items, free = _parse_key(self, key)
    _check_key_items(self, items, free)
    key = _numpy_key(self, key)
    val = _setitem_value(self, value)
    mask = key[0] if len(key) == 1 and isinstance(key[0], np.ndarray) and key[0].dtype == np.bool_ else None
    if len(key) == 1 and isinstance(key[0], (bool, np.bool_)) and self.ndim == 0:
        mask = np.array(key[0])  # a 0-d mask of a 0-d tensor
    if mask is not None and mask.shape == self.shape:
        # NumPy's own path for one full-shape mask: the value is a scalar or one value per True element.
        count = int(np.count_nonzero(mask))
        if val.ndim > 1:
            raise TypeError(f"boolean array indexing assignment requires a 0 or 1-dimensional value, got shape "
                            f"{val.shape}")
        if val.size not in (1, count):
            raise ValueError(f"boolean array indexing assignment cannot assign {val.size} values to the {count} "
                             f"elements where the mask is true")
        if val.size != 1:
            _scatter_flat(self, np.flatnonzero(mask), val)
            return
        cond = _C.from_numpy(np.array(mask, order="C"))  # (ascontiguousarray would make a 0-d mask 1-d)
        val = val.reshape(())
        _C._copy_(self, _C.where(cond, val.astype(self.dtype) if val.dtype != self.dtype else val, self))
        return
    # General case: the flat positions the key selects (NumPy applies it to an array of positions), then a write.
    positions = np.arange(self.size, dtype=np.int64).reshape(self.shape)[key]
    while val.ndim > positions.ndim and val.shape[0] == 1:  # NumPy drops a value's extra leading size-1 dims
        val = val.reshape(val.shape[1:])
    if val.ndim > positions.ndim and positions.size == 0 and _fits_empty(val.shape, positions.shape, items, free):
        return
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


def _scatter_rows(self, rows, values):
    """self[rows] = values for a contiguous CPU tensor and distinct int64 row numbers (the lazy optimizer path): a
    plain copy through NumPy on the shared memory, with the version bump autograd needs."""
    np.asarray(self)[rows] = np.asarray(values)
    _C._bump_version(self)


_C._set_index_hooks(_advanced_getitem, _advanced_setitem)
