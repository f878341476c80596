"""Turning fit/evaluate/predict arguments into lists of contiguous NumPy arrays, checked against the model."""
import numpy as np

from ..tensor import Tensor


def _as_array(v, dtype=None):
    if isinstance(v, Tensor):
        v = np.asarray(v.detach())
    arr = np.asarray(v)
    if arr.dtype == object:
        raise TypeError("fit/evaluate/predict need numeric arrays; got an object array (ragged lists?). "
                        "Pad sequences first, e.g. with pydl.preprocessing.sequence.pad_sequences")
    if dtype is not None and str(dtype) in _INT_STORAGE:
        return _as_int_array(arr, str(dtype))
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return np.ascontiguousarray(arr)


# An integer model input (ids) keeps integer values: held in the pydl dtype that stores the declared one exactly.
_INT_STORAGE = {"int8": np.int32, "int16": np.int32, "int32": np.int32, "int64": np.int64, "uint8": np.uint8}


def _as_int_array(arr, dtype):
    """Data for an integer input of `dtype`: integers (or whole-number floats) that fit it, never wrapped."""
    if arr.dtype.kind == "f":
        if arr.size and not (np.all(np.isfinite(arr)) and np.array_equal(arr, np.trunc(arr))):
            raise TypeError(f"Error when checking input: the model input has dtype {dtype}, but the data (dtype "
                            f"{arr.dtype}) holds non-integer values")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"Error when checking input: the model input has dtype {dtype}, got data of dtype {arr.dtype}")
    if arr.size and arr.dtype != np.dtype(dtype):
        info = np.iinfo(dtype)
        lo, hi = arr.min(), arr.max()
        if lo < info.min or hi > info.max:
            bad = lo if lo < info.min else hi
            raise ValueError(f"Error when checking input: the model input has dtype {dtype}, but the data holds "
                             f"{bad!r}, outside [{info.min}, {info.max}]")
    return np.ascontiguousarray(arr, dtype=_INT_STORAGE[dtype])


def to_arrays(data, names, what, dtype=None, dtypes=None):
    """A list of arrays, one per name, from an array, a list of arrays or a dict keyed by name."""
    if data is None:
        return None
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"No data provided for {missing} in {what}. Need data for each key in: {names}")
        data = [data[n] for n in names]
    elif not isinstance(data, (list, tuple)) or (len(names) == 1 and not _is_array_list(data)):
        data = [data]
    data = list(data)
    if len(data) != len(names):
        raise ValueError(f"Error when checking model {what}: the list of arrays that you are passing to your model "
                         f"is not the size the model expected. Expected to see {len(names)} array(s) {names}, but "
                         f"instead got {len(data)}")
    out = []
    for i, d in enumerate(data):
        dt = dtypes[i] if dtypes is not None else dtype
        out.append(_as_array(d, dt))
    return out


def _is_array_list(data):
    return len(data) > 0 and all(isinstance(d, (np.ndarray, Tensor)) or hasattr(d, "__array__") for d in data) and \
        not all(np.isscalar(d) for d in data)


def check_shapes(arrays, shapes, names, what):
    for arr, shape, name in zip(arrays, shapes, names):
        if arr.ndim == len(shape) - 1 and len(shape) == 2 and shape[-1] == 1:
            continue  # (n,) targets for a (None, 1) output are reshaped by the caller
        if arr.ndim != len(shape):
            raise ValueError(f"Error when checking {what}: expected {name} to have {len(shape)} dimensions, but got "
                             f"array with shape {arr.shape}")
        for got, want in zip(arr.shape[1:], shape[1:]):
            if want is not None and got != want:
                raise ValueError(f"Error when checking {what}: expected {name} to have shape {tuple(shape[1:])} but "
                                 f"got array with shape {arr.shape[1:]}")


def check_lengths(xs, ys, sw=None):
    n = {len(a) for a in xs}
    if len(n) > 1:
        raise ValueError(f"All input arrays (x) should have the same number of samples. Got array shapes: "
                         f"{[a.shape for a in xs]}")
    if ys is not None:
        m = {len(a) for a in ys}
        if len(m) > 1:
            raise ValueError(f"All target arrays (y) should have the same number of samples. Got array shapes: "
                             f"{[a.shape for a in ys]}")
        if n != m:
            raise ValueError(f"Input arrays should have the same number of samples as target arrays. Found "
                             f"{n.pop()} input samples and {m.pop()} target samples.")
    if sw is not None:
        for w in sw:
            if w is not None and len(w) != len(xs[0]):
                raise ValueError(f"sample_weight has {len(w)} entries but there are {len(xs[0])} samples")


def sample_weights(sample_weight, class_weight, ys, names):
    """Per-output weight vectors (or None): explicit sample_weight times class_weight[label]."""
    n_out = len(ys)
    if sample_weight is None:
        sw = [None] * n_out
    elif isinstance(sample_weight, dict):
        sw = [sample_weight.get(nm) for nm in names]
    elif isinstance(sample_weight, (list, tuple)) and n_out > 1:
        sw = list(sample_weight)
    else:
        sw = [sample_weight] + [None] * (n_out - 1)
    sw = [None if w is None else np.asarray(w, dtype=np.float64).reshape(len(w)) for w in sw]
    if class_weight is not None:
        cws = [class_weight.get(nm) for nm in names] if isinstance(class_weight, dict) and \
            any(nm in class_weight for nm in names) else [class_weight] * n_out
        for i, (cw, y) in enumerate(zip(cws, ys)):
            if cw is None:
                continue
            labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else \
                np.asarray(y).reshape(len(y)).round().astype(np.int64)
            missing = set(np.unique(labels).tolist()) - set(cw)
            if missing:
                raise ValueError(f"class_weight must contain all classes in the data. The classes {sorted(missing)} "
                                 "exist in the data but not in class_weight")
            w = np.asarray([cw[int(c)] for c in labels], dtype=np.float64)
            sw[i] = w if sw[i] is None else sw[i] * w
    return sw


def batch_slices(n, batch_size, shuffle):
    """Index arrays (or slices) for each batch; shuffle=True permutes samples, 'batch' permutes whole batches."""
    if shuffle == "batch":
        starts = np.arange(0, n, batch_size)
        np.random.shuffle(starts)
        return [slice(s, min(s + batch_size, n)) for s in starts]
    if shuffle:
        idx = np.random.permutation(n)
        return [idx[s:s + batch_size] for s in range(0, n, batch_size)]
    return [slice(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]


def take(arrays, sel):
    return [None if a is None else np.ascontiguousarray(a[sel]) for a in arrays]
