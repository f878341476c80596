"""Dtype objects and inference of a dtype from Python data."""
from . import _C

DType = _C.DType
float32 = _C.DType.float32
float64 = _C.DType.float64
int32 = _C.DType.int32
int64 = _C.DType.int64
uint8 = _C.DType.uint8
bool_ = _C.DType.bool_

__all__ = ["DType", "float32", "float64", "int32", "int64", "uint8", "bool_"]
