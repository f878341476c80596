"""Natural-language ops: the embedding lookup (one call into pydl's C++ core).

>>> table = pydl.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
>>> pydl.ops.embedding([[2, 1]], table).tolist()
[[[3.0, 4.0], [1.0, 2.0]]]
"""
import numpy as np

from . import _C
from .tensor import Tensor, from_numpy

# pydl holds uint8, int32 and int64; narrower or unsigned NumPy ids are widened here, exactly, before the core.
_ID_STORAGE = {"int8": np.int32, "int16": np.int32, "uint16": np.int32, "uint32": np.int64, "uint64": np.int64}


def as_ids(ids, op="embedding"):
    """ids (Tensor, NumPy array or nested lists of ints) as an integer Tensor: int8/int16/uint16 become int32,
    uint32/uint64 int64 (uint64 ids beyond int64 raise IndexError); floats and bools raise DTypeError."""
    if isinstance(ids, Tensor):
        return ids
    arr = np.asarray(ids)
    if arr.size == 0 and arr.dtype == np.float64 and not isinstance(ids, np.ndarray):
        arr = arr.astype(np.int64)  # [] from Python: NumPy calls it float64
    if arr.dtype.kind not in "iu":
        raise _C.DTypeError(f"{op}: ids must be integers, got an array of dtype {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise IndexError(f"{op}: id {int(arr.max())} is out of range (ids must be in [0, input_dim))")
    storage = _ID_STORAGE.get(arr.dtype.name)
    if storage is not None:
        arr = arr.astype(storage)
    return from_numpy(arr if arr.flags.c_contiguous else arr.copy())  # (ascontiguousarray makes 0-d 1-d)


def embedding(ids, table):
    """Rows of `table` (input_dim, output_dim) picked by integer `ids` of any shape: the result has shape
    ids.shape + (output_dim,), like `numpy.take(table, ids, axis=0)`. The gradient reaches `table` (summed over
    repeated ids, the same at any thread count). Ids outside [0, input_dim) raise IndexError naming the id.

    >>> pydl.ops.embedding(pydl.tensor([0, 0, 2]), pydl.ones((3, 4))).shape
    (3, 4)
    """
    if not isinstance(table, Tensor):
        raise TypeError(f"embedding: table must be a Tensor, got {type(table).__name__}")
    t = as_ids(ids)
    if t.device != table.device:
        t = t.to(table.device)
    return _C._embedding(t, table)


def word2vec_train(*args):
    """The C++ skip-gram/CBOW trainer behind `pydl.text.Word2Vec.train` (its arguments are that method's state);
    here so that only the bridge modules touch pydl._C. Returns the count of effective words."""
    return _C._word2vec_train(*args)


__all__ = ["embedding"]
