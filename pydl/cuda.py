"""CUDA device queries and synchronisation.

pydl runs every CUDA kernel of a device on one stream, so work is asynchronous: results copied to the host
(``.cpu()``, ``.numpy()``, ``.item()``) wait for it, and ``synchronize()`` waits explicitly (for timing).

>>> import pydl.cuda
>>> pydl.cuda.is_available() in (True, False)
True
"""
import re

from . import _C

__all__ = ["is_available", "device_count", "synchronize", "get_device_name", "get_device_capability", "is_compiled",
           "set_tf32", "tf32_enabled"]

_DEVICE = re.compile(r"(\d+): (.*) \(sm_(\d+)(\d),")


def is_compiled():
    """True when this build of pydl includes the CUDA backend (built with PYDL_CUDA=ON)."""
    return bool(_C.build_info()["cuda_compiled"])


def is_available():
    """True when pydl was built with CUDA and at least one CUDA device is visible."""
    return bool(_C.cuda_is_available())


def device_count():
    """Number of visible CUDA devices (0 in a build without CUDA)."""
    return int(_C.cuda_device_count())


def synchronize():
    """Waits until every queued CUDA kernel and copy has finished; raises the error of a failed one."""
    _C.cuda_synchronize()


def _devices():
    summary = _C.build_info().get("cuda_devices") or ""
    found = {}
    for part in summary.split("; "):
        m = _DEVICE.match(part)
        if m:
            found[int(m.group(1))] = (m.group(2), (int(m.group(3)), int(m.group(4))))
    return found


def _index(device):
    if device is None:
        return 0
    if isinstance(device, int):
        return device
    spec = str(device)
    if spec == "cuda":
        return 0
    if spec.startswith("cuda:") and spec[5:].isdigit():
        return int(spec[5:])
    raise ValueError(f"expected a CUDA device index, 'cuda' or 'cuda:N', got {device!r}")


def _lookup(device):
    idx = _index(device)
    devices = _devices()
    if idx not in devices:
        raise _C.DeviceError(f"CUDA device {idx} is not available ({device_count()} CUDA devices"
                             f"{'' if is_compiled() else '; pydl was built without CUDA support'})")
    return devices[idx]


def get_device_name(device=None):
    """Name of a CUDA device, e.g. 'NVIDIA H100 80GB HBM3' (device: index, 'cuda:N' or None for 0)."""
    return _lookup(device)[0]


def get_device_capability(device=None):
    """Compute capability (major, minor) of a CUDA device, e.g. (9, 0)."""
    return _lookup(device)[1]


def set_tf32(enabled):
    """Lets fp32 matmuls and convolutions on CUDA use TF32 tensor cores (inputs rounded to a 10-bit mantissa, fp32
    accumulation, errors near 1e-4..1e-3 relative instead of 1e-6). Off by default, so CUDA results match the CPU's;
    compute capability 8.0 or newer. Returns the previous setting. Note: pydl's tensor-core kernel (WMMA) is far
    from cuBLAS yet: 4096^3 on an H200 runs at 60 TFLOP/s, against 40 for the fp32 kernel and 395 for cuBLAS TF32.

    >>> previous = pydl.cuda.set_tf32(True); pydl.cuda.tf32_enabled()
    True
    >>> pydl.cuda.set_tf32(previous)
    True
    """
    return bool(_C._cuda_set_tf32(bool(enabled)))


def tf32_enabled():
    """Whether fp32 CUDA matmuls may use TF32 tensor cores (see set_tf32)."""
    return bool(_C._cuda_tf32())
