"""Autograd controls: no_grad / enable_grad, and a finite-difference gradient check."""
import functools

import numpy as np

from . import _C
from .tensor import Tensor


class no_grad:
    """Context manager and decorator that stops recording operations for backward."""

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C.set_grad_enabled(False)
        return self

    def __exit__(self, *exc):
        _C.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class enable_grad(no_grad):
    """Turns recording back on inside a no_grad block."""

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C.set_grad_enabled(True)
        return self


is_grad_enabled = _C.is_grad_enabled
set_grad_enabled = _C.set_grad_enabled
StepPlan = _C._Plan  # a recorded step, replayed from C++ (pydl/models/plans.py)
plan_recording = _C._plan_recording  # is a step plan recording on this thread?
train_steps = _C._train_steps  # a run of recorded training steps with their updates (pydl/models/step_runs.py)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Compares the gradient from backward() with central finite differences, in float64.

    `fn(*inputs)` must return a Tensor; inputs that require grad are checked. The analytic gradient is that of
    sum(fn(...) * w) for a fixed random w, so every output element takes part. Returns True or raises
    AssertionError naming the input and the worst element.
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and str(x.dtype) != "float64":
            raise TypeError(f"gradcheck: input {i} has dtype {x.dtype}; use float64 for finite differences")
    out = fn(*inputs)
    rng = np.random.default_rng(0)
    w_np = rng.standard_normal(out.shape)
    w = _C.from_numpy(np.ascontiguousarray(w_np, dtype=np.float64)).astype(out.dtype)
    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    if out.requires_grad:
        (out * w).sum().backward()
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        analytic = np.zeros(x.shape) if x.grad is None else np.array(x.grad, dtype=np.float64)
        numeric = np.zeros(x.shape)
        data = np.asarray(x)  # shares memory with x
        flat = data.reshape(-1) if data.flags.c_contiguous else None
        if flat is None:
            raise ValueError(f"gradcheck: input {i} must be contiguous")
        with no_grad():
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                _C._bump_version(x)
                plus = float((fn(*inputs) * w).sum())
                flat[j] = orig - eps
                _C._bump_version(x)
                minus = float((fn(*inputs) * w).sum())
                flat[j] = orig
                _C._bump_version(x)
                numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric)
        tol = atol + rtol * np.abs(numeric)
        if np.any(err > tol) or not np.all(np.isfinite(analytic) == np.isfinite(numeric)):
            k = int(np.argmax(err - tol))
            raise AssertionError(
                f"gradcheck: gradient of input {i} (shape {x.shape}) differs at flat index {k}: "
                f"analytic {analytic.reshape(-1)[k]!r} vs numeric {numeric.reshape(-1)[k]!r}")
    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    return True


__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled", "gradcheck"]
