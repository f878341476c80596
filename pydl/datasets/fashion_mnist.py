"""Fashion-MNIST, 28x28 uint8 in MNIST's IDX format: load_data() -> (x_train, y_train), (x_test, y_test)."""
import gzip
import os

import numpy as np

from .files import KERAS_ORIGIN, get_file

FILES = {  # published MD5 digests of the Zalando files
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An array from an IDX file (gzipped or not): magic 0 0 <type> <ndim>, ndim big-endian sizes, then data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated (header)")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[data[2]])
    count = int(np.prod(shape)) if shape else 1
    if len(data) - header < count * dtype.itemsize:
        raise ValueError(f"{path} is truncated: header says {shape} but the data is shorter")
    return np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_data():
    dirname = "fashion-mnist"
    paths = {name: get_file(os.path.join(dirname, name), KERAS_ORIGIN + name, file_hash=h)
             for name, h in FILES.items()}
    y_train = read_idx(paths["train-labels-idx1-ubyte.gz"])
    x_train = read_idx(paths["train-images-idx3-ubyte.gz"])
    y_test = read_idx(paths["t10k-labels-idx1-ubyte.gz"])
    x_test = read_idx(paths["t10k-images-idx3-ubyte.gz"])
    return (x_train, y_train), (x_test, y_test)
