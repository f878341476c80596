"""pydl: deep learning with a C++ core and a Keras-compatible API.

>>> import pydl
>>> x = pydl.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad.tolist()
[2.0, 4.0, 6.0]
"""
try:
    from . import _C
except ImportError as _e:  # without this, Python reports a "circular import", which sends users the wrong way
    from ._source_tree import explain as _explain
    raise ImportError(_explain(__path__[0], _e)) from _e
from ._dtypes import DType, bool_, float32, float64, int32, int64, uint8
from .tensor import (Device, Tensor, arange, device, empty, empty_like, eye, from_dlpack, from_numpy, full, full_like,
                     linspace, manual_seed, normal, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                     tensor, uniform, zeros, zeros_like)
from . import _indexing  # noqa: F401  (installs Tensor's advanced-indexing hooks)
from .ops import *  # noqa: F401,F403  (the op functions: add, matmul, relu, sum, ...)
from .ops import __all__ as _ops_all
from . import autograd, ops
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

ShapeError = _C.ShapeError
DTypeError = _C.DTypeError
DeviceError = _C.DeviceError
set_num_threads = _C.set_num_threads
get_num_threads = _C.get_num_threads
cpu_capability = _C.cpu_capability

__version__ = _C.build_info()["version"]


def build_info():
    """Version, compiler, build type, SIMD path in use, threads, and CUDA support of this build."""
    return dict(_C.build_info(), num_threads=_C.get_num_threads())


__all__ = [
    "DType", "bool_", "float32", "float64", "int32", "int64", "uint8", "Device", "Tensor", "tensor", "from_numpy",
    "from_dlpack", "device", "empty", "empty_like", "zeros", "zeros_like", "ones", "ones_like", "full", "full_like",
    "arange", "linspace", "eye", "rand", "rand_like", "randn", "randn_like", "uniform", "normal", "randint",
    "manual_seed", "autograd", "ops", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled",
    "ShapeError", "DTypeError", "DeviceError", "set_num_threads", "get_num_threads", "cpu_capability", "build_info",
] + list(_ops_all)

# The Keras-style API (pure Python on top of the ops), imported on first use so `import pydl` stays fast.
_SUBMODULES = ("registry", "plugins", "layers", "models", "optimizers", "losses", "metrics", "activations", "initializers", "regularizers",
               "constraints",
               "callbacks", "utils", "preprocessing", "datasets", "saving", "nn_ops", "backend",
               "applications", "wrappers", "text")
# Keras's top-level names (`from keras import Sequential`), resolved on first use like the submodules.
_KERAS_NAMES = {"Sequential": "models", "Model": "models", "Input": "layers"}


def __getattr__(name):
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _KERAS_NAMES:
        return getattr(importlib.import_module(f".{_KERAS_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'pydl' has no attribute '{name}'")


__all__ += list(_SUBMODULES) + list(_KERAS_NAMES)
